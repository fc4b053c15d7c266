using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// Reads a <c>[Pipeline]</c> class into a <see cref="PipelineModel"/>, or the list of problems that make it
/// invalid. Shared by the generator (which emits nothing for an invalid pipeline) and the analyzers (which
/// report the problems). Never throws, except to honour cancellation.
/// </summary>
internal static partial class PipelineParser
{
    /// <summary>Names the generated part declares; a user member with one of them would clash.</summary>
    private static readonly string[] GeneratedMemberNames = ["Graph", "Start", "RunAsync", "__BuildJob"];

    public static ParseResult Parse(INamedTypeSymbol pipeline, Compilation compilation, CancellationToken cancellationToken)
    {
        var context = new ParseContext(pipeline, compilation, cancellationToken);
        PipelineModel? model;
        try
        {
            model = ParseCore(context);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            context.Report(DiagnosticIds.AnalysisFailed, pipeline, $"The DslFlow generator failed on pipeline '{pipeline.Name}' ({ex.GetType().Name}: {ex.Message}). Please report this as a bug.");
            model = null;
        }
        return new ParseResult(context.HasErrors ? null : model, context.Problems.ToEquatableArray());
    }

    private static PipelineModel? ParseCore(ParseContext context)
    {
        INamedTypeSymbol type = context.Pipeline;
        if (HasMissingNames(type))
        {
            context.Abandon(type);
            return null;
        }
        CheckDeclaration(context, type, isPipeline: true);
        var containing = new List<TypeDeclarationModel>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            CheckDeclaration(context, outer, isPipeline: false);
            containing.Insert(0, Declaration(outer));
        }
        (int defaultParallelism, int maxParallelism) = ReadPipelineAttribute(context);
        CheckGeneratedNameClashes(context);
        CheckpointModel? checkpointing = ReadCheckpointing(context);

        var nodes = new List<NodeDraft>();
        foreach (ISymbol member in type.GetMembers())
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (member is IMethodSymbol method && ParseNode(context, method) is { } node)
            {
                nodes.Add(node);
            }
        }
        AddLateRecordOutputs(context, nodes);
        CheckWiring(context, nodes, maxParallelism);
        CheckTime(context, nodes);
        CheckSinkGuarantees(context, checkpointing, nodes);
        // One resolver for state and records: a user type held in both gets one serializer class.
        var resolver = new SerializerResolver(context.Compilation, context.Pipeline, context.CancellationToken);
        CheckStateSerialization(context, resolver, nodes);
        List<NodeDraft> reachable = Reachable(nodes);
        // Declared unaligned checkpoints require serializable records (DSLF3005); otherwise the serializers are generated
        // where possible, so unaligned checkpoints turned on only by the run-time options find them too.
        ResolveInFlightRecordSerializers(context, resolver, reachable, required: checkpointing is { Unaligned: true });
        if (context.HasErrors)
        {
            return null;
        }
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
        return new PipelineModel(
            ns,
            containing.ToEquatableArray(),
            Declaration(type),
            TypeNames.Full(type),
            defaultParallelism,
            maxParallelism,
            reachable.Select(d => d.ToModel()).ToEquatableArray(),
            checkpointing,
            resolver.Classes.ToEquatableArray());
    }

    /// <summary>A name being typed (<c>class {</c>, <c>namespace ;</c>) cannot be emitted.</summary>
    private static bool HasMissingNames(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!SyntaxFacts.IsValidIdentifier(t.Name))
            {
                return true;
            }
        }
        for (INamespaceSymbol? ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            if (!SyntaxFacts.IsValidIdentifier(ns.Name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when the type is, or is built from, a type the compiler could not resolve.</summary>
    private static bool ContainsErrors(ITypeSymbol? type) => type switch
    {
        null => false,
        { TypeKind: TypeKind.Error } => true,
        IArrayTypeSymbol array => ContainsErrors(array.ElementType),
        IPointerTypeSymbol pointer => ContainsErrors(pointer.PointedAtType),
        INamedTypeSymbol named => named.TypeArguments.Any(IsInvalidPart) || (named.IsTupleType && named.TupleElements.Any(e => IsInvalidPart(e.Type))),
        _ => false,
    };

    /// <summary>A type argument, element or parameter type: <c>void</c> is an error there too.</summary>
    private static bool IsInvalidPart(ITypeSymbol type) => type.SpecialType == SpecialType.System_Void || ContainsErrors(type);

    private static void CheckDeclaration(ParseContext context, INamedTypeSymbol type, bool isPipeline)
    {
        string role = isPipeline ? "Pipeline class" : $"Type '{type.Name}', which contains pipeline '{context.Pipeline.Name}',";
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax syntax
                && !syntax.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                context.Report(DiagnosticIds.PipelineNotPartial, type, syntax.Identifier.GetLocation(), $"{role} '{type.Name}' must be declared 'partial' so the generator can add the job graph and the Start and RunAsync methods to it. Add the 'partial' modifier.");
                break;
            }
        }
        if (type.TypeParameters.Length > 0)
        {
            context.Report(DiagnosticIds.InvalidPipelineType, type, $"{role} '{type.Name}' must not be generic: the generated job graph is static. Remove the type parameters.");
        }
    }

    private static TypeDeclarationModel Declaration(INamedTypeSymbol type)
    {
        string keyword = type.TypeKind switch
        {
            TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
            TypeKind.Interface => "interface",
            _ => type.IsRecord ? "record" : "class",
        };
        return new TypeDeclarationModel(type.Name, keyword, type.IsStatic);
    }

    private static (int DefaultParallelism, int MaxParallelism) ReadPipelineAttribute(ParseContext context)
    {
        int defaultParallelism = 1, maxParallelism = 128;
        AttributeData? attribute = context.Pipeline.GetAttributes().FirstOrDefault(KnownTypes.IsPipelineAttribute);
        foreach (KeyValuePair<string, TypedConstant> argument in attribute?.NamedArguments ?? [])
        {
            if (argument.Key == "DefaultParallelism" && argument.Value.Value is int d)
            {
                defaultParallelism = d;
            }
            else if (argument.Key == "MaxParallelism" && argument.Value.Value is int m)
            {
                maxParallelism = m;
            }
        }
        if (defaultParallelism < 1)
        {
            context.Report(DiagnosticIds.InvalidParallelism, context.Pipeline, AttributeArguments.Named(attribute, "DefaultParallelism", context.CancellationToken), $"Pipeline '{context.Pipeline.Name}' sets DefaultParallelism = {defaultParallelism}; it must be at least 1.");
        }
        if (maxParallelism < 1 || maxParallelism > 32768)
        {
            context.Report(DiagnosticIds.InvalidParallelism, context.Pipeline, AttributeArguments.Named(attribute, "MaxParallelism", context.CancellationToken), $"Pipeline '{context.Pipeline.Name}' sets MaxParallelism = {maxParallelism}; it must be between 1 and 32768.");
        }
        return (defaultParallelism, maxParallelism);
    }

    private static void CheckGeneratedNameClashes(ParseContext context)
    {
        foreach (string name in GeneratedMemberNames)
        {
            foreach (ISymbol member in context.Pipeline.GetMembers(name))
            {
                if (!IsGenerated(member))
                {
                    context.Report(DiagnosticIds.InvalidPipelineType, member, $"Pipeline '{context.Pipeline.Name}' declares a member named '{name}', which the generator adds to the class. Rename the member.");
                }
            }
        }
    }

    /// <summary>True for members this generator emitted (the analyzers see them in their compilation).</summary>
    private static bool IsGenerated(ISymbol member) =>
        member.GetAttributes().Any(a =>
            a.AttributeClass?.Name == "GeneratedCodeAttribute"
            && a.ConstructorArguments.Length > 0
            && a.ConstructorArguments[0].Value is "DslFlow.Generator");
}
