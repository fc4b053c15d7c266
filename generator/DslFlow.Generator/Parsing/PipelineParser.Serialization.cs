using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>Keyed state must be serializable at compile time: checkpoints would otherwise fail at the first snapshot.</summary>
internal static partial class PipelineParser
{
    private const string SupportedTypes = "primitives, string, decimal, Guid, DateTime, DateTimeOffset, TimeSpan, enums, "
        + "nullable value types, single-dimensional arrays, List<T>, Dictionary<TKey, TValue>, KeyValuePair<TKey, TValue>, "
        + "value tuples of 2 to 7 elements, and records, classes and structs whose public properties have supported types";

    /// <summary>
    /// Resolves the key and value serializers of every keyed state parameter into the nodes' models, reports the
    /// states that cannot be serialized, and returns the serializer classes to generate.
    /// </summary>
    private static EquatableArray<GeneratedSerializerModel> CheckStateSerialization(ParseContext context, List<NodeDraft> nodes)
    {
        var resolver = new SerializerResolver(context.Compilation, context.Pipeline, context.CancellationToken);
        foreach (NodeDraft node in nodes)
        {
            if (node.KeyBy is null || node.KeyType is null || !node.HasState)
            {
                continue;
            }
            SerializerModel? keySerializer = null;
            for (int i = 0; i < node.Parameters.Count; i++)
            {
                ParameterModel state = node.Parameters[i];
                if (!state.IsState
                    || node.Method.Parameters.FirstOrDefault(p => p.Name == state.Name) is not { Type: INamedTypeSymbol stateType } parameter)
                {
                    continue;
                }
                SerializerResolution key = resolver.Resolve(node.KeyType);
                if (key.Problem is { } keyProblem)
                {
                    ReportUnserializable(context, node, parameter, "in its key", node.KeyType, keyProblem);
                    continue;
                }
                var serializers = new List<SerializerModel>();
                for (int a = 0; a < stateType.TypeArguments.Length; a++)
                {
                    ITypeSymbol argument = stateType.TypeArguments[a];
                    SerializerResolution value = resolver.Resolve(argument);
                    if (value.Problem is { } problem)
                    {
                        ReportUnserializable(context, node, parameter, Role(state.Kind, a), argument, problem);
                        break;
                    }
                    serializers.Add(value.Model!);
                }
                if (serializers.Count == stateType.TypeArguments.Length)
                {
                    keySerializer = key.Model;
                    node.Parameters[i] = state with { Serializers = serializers.ToEquatableArray() };
                }
            }
            if (keySerializer is not null)
            {
                node.KeyBy = node.KeyBy with { Serializer = keySerializer };
            }
        }
        return resolver.Classes.ToEquatableArray();
    }

    private static string Role(ParameterKind kind, int argument) => kind switch
    {
        ParameterKind.ListState => "in its elements",
        ParameterKind.MapState => argument == 0 ? "in its map keys" : "in its map values",
        _ => "in its value",
    };

    private static void ReportUnserializable(ParseContext context, NodeDraft node, IParameterSymbol parameter, string role, ITypeSymbol root, SerializationProblem problem)
    {
        if (problem.Reason is null)
        {
            context.Abandon(node.Method);
            return;
        }
        string path = TypeNames.Display(root) + problem.Suffix;
        string culprit = problem.Suffix.Length == 0 ? $"type '{problem.TypeName}'" : $"'{path}' of type '{problem.TypeName}'";
        string message = $"State parameter '{parameter.Name}' of node '{node.Name}' cannot be saved in checkpoints: {role}, {culprit} {problem.Reason}.";
        if (problem.NeedsAdvice)
        {
            message += problem.Annotatable is { } annotatable
                ? $" Use supported types ({SupportedTypes}), or annotate '{annotatable}' with [Serializer(typeof(MySerializer))], where MySerializer implements ISerializer<{annotatable}> and has a public parameterless constructor."
                : $" Use supported types ({SupportedTypes}), or a type of your own annotated with [Serializer(typeof(MySerializer))], where MySerializer implements ISerializer<T> for it and has a public parameterless constructor.";
        }
        context.Report(DiagnosticIds.StateNotSerializable, node.Method, parameter.Locations.FirstOrDefault(), message);
    }
}
