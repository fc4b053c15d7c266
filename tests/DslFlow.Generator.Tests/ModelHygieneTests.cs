using System.Reflection;
using DslFlow.Generator.Model;
using DslFlow.Generator.Planning;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Tests;

/// <summary>
/// The incremental pipeline caches models by value: they must hold no Roslyn objects (which would root whole
/// compilations and never compare equal) and must compare equal when parsed from equal sources.
/// </summary>
public class ModelHygieneTests
{
    private static readonly Type[] Forbidden =
        [typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxTree), typeof(SemanticModel), typeof(Compilation), typeof(Location)];

    private const string Source = """
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline(DefaultParallelism = 2)]
        public partial class Shapes
        {
            [Source] public static ArraySource<(string Name, int Sides)> Items() => new(("a", 3));

            private static (string, int) Key((string Name, int Sides) s) => (s.Name, s.Sides);

            [Process(From = nameof(Items), KeyBy = nameof(Key))]
            public static void Track((string Name, int Sides) s, ListState<int> seen, MapState<string, long> totals, Collector<string> output) => output.Emit(s.Name);

            [FlatMap(From = nameof(Track))] public static IEnumerable<char> Letters(string s) => s;

            [Sink(From = nameof(Letters))] public static QueueSink<char> Out() => new();
        }
        """;

    [Fact]
    public void ModelTypesHoldNoRoslynObjects()
    {
        var seen = new HashSet<Type>();
        Walk(typeof(ParseResult), seen);
        Walk(typeof(PipelinePlan), seen);
        Walk(typeof(EmitRequest), seen);

        Assert.Contains(typeof(NodeModel), seen);
        Assert.Contains(typeof(KeyHashModel), seen);
        Assert.Contains(typeof(SourceLocation), seen);
        Assert.All(seen, type => Assert.DoesNotContain(Forbidden, f => f.IsAssignableFrom(type)));
    }

    [Fact]
    public void EveryModelClassIsARecord()
    {
        var modelTypes = typeof(PipelineModel).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(PipelineModel).Namespace && t.IsClass && !t.IsAbstract && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .ToList();

        Assert.NotEmpty(modelTypes);
        Assert.All(modelTypes, t => Assert.True(
            t.GetMethod("<Clone>$") is not null || (t.IsSealed && t.IsAbstract),
            $"{t.Name} is not a record"));
    }

    [Fact]
    public void TwoParsesOfTheSameSourceAreEqual()
    {
        ParseResult first = InvalidPipelineTests.Parse(Source);
        ParseResult second = InvalidPipelineTests.Parse(Source);

        Assert.NotNull(first.Model);
        Assert.NotSame(first.Model, second.Model);
        Assert.Equal(first, second);
        Assert.Equal(first.GetHashCode(), second.GetHashCode());
        Assert.Equal(ChainPlanner.Plan(first.Model!), ChainPlanner.Plan(second.Model!));
    }

    [Fact]
    public void DifferentSourcesGiveDifferentModels()
    {
        ParseResult first = InvalidPipelineTests.Parse(Source);
        ParseResult second = InvalidPipelineTests.Parse(Source.Replace("DefaultParallelism = 2", "DefaultParallelism = 3"));

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void EquatableArrayComparesElements()
    {
        var a = new EquatableArray<string>(["x", "y"]);
        var b = new EquatableArray<string>(new List<string> { "x", "y" });

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, new EquatableArray<string>(["y", "x"]));
        Assert.Equal(default, EquatableArray<string>.Empty);
    }

    /// <summary>Every type reachable through properties, fields, generic arguments and element types.</summary>
    private static void Walk(Type type, HashSet<Type> seen)
    {
        if (!seen.Add(type))
        {
            return;
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            Walk(underlying, seen);
        }
        if (type.IsArray)
        {
            Walk(type.GetElementType()!, seen);
        }
        foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : [])
        {
            Walk(argument, seen);
        }
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
        {
            return;
        }
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        foreach (FieldInfo field in type.GetFields(all))
        {
            Walk(field.FieldType, seen);
        }
        foreach (PropertyInfo property in type.GetProperties(all))
        {
            Walk(property.PropertyType, seen);
        }
    }
}
