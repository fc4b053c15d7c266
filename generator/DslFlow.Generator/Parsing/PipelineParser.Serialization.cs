using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>State must be serializable at compile time: checkpoints would otherwise fail at the first snapshot.</summary>
internal static partial class PipelineParser
{
    private const string SupportedTypes = DslFlow.Serialization.SerializationMessages.SupportedTypes;

    /// <summary>
    /// Resolves the serializers of every state parameter into the nodes' models (keyed state: the key's and the value's;
    /// operator state: the element's) and reports the states that cannot be serialized; the classes to generate are the
    /// resolver's.
    /// </summary>
    private static void CheckStateSerialization(ParseContext context, SerializerResolver resolver, List<NodeDraft> nodes)
    {
        foreach (NodeDraft node in nodes)
        {
            ResolveKeyedStates(context, resolver, node);
            ResolveOperatorStates(context, resolver, node);
        }
    }

    private static void ResolveKeyedStates(ParseContext context, SerializerResolver resolver, NodeDraft node)
    {
        if (node.KeyBy is null || node.KeyType is null || (!node.HasKeyedState && !node.HasTimers))
        {
            return;
        }
        SerializerModel? keySerializer = null;
        for (int i = 0; i < node.Parameters.Count; i++)
        {
            ParameterModel state = node.Parameters[i];
            if (state.IsKeyedState && node.WindowAttribute is not null && state.Name == WindowModel.StateName)
            {
                if (ResolveWindowState(context, resolver, node, state) is { } windowState)
                {
                    node.Parameters[i] = windowState; // the key's serializer follows with the timers below
                }
                continue;
            }
            if (!state.IsKeyedState || StateSymbol(node, state) is not { } parameter)
            {
                continue;
            }
            SerializerResolution key = resolver.Resolve(node.KeyType);
            if (key.Problem is { } keyProblem)
            {
                ReportUnserializable(context, node, parameter, "in its key", node.KeyType, keyProblem);
                continue;
            }
            if (ResolveTypeArguments(context, resolver, node, parameter, state) is { } serializers)
            {
                keySerializer = key.Model;
                node.Parameters[i] = state with { Serializers = serializers };
            }
        }
        if (keySerializer is null && node.HasTimers)
        {
            // Timers save their keys too (a node may have timers and no keyed state).
            SerializerResolution key = resolver.Resolve(node.KeyType);
            if (key.Problem is { } keyProblem)
            {
                if (keyProblem.Reason is null)
                {
                    context.Abandon(node.Method);
                    return;
                }
                context.Report(DiagnosticIds.StateNotSerializable, node.Method, $"The timers of node '{node.Name}' cannot be saved in checkpoints: they save the key, {Unserializable(node.KeyType, keyProblem)}");
                return;
            }
            keySerializer = key.Model;
        }
        if (keySerializer is not null)
        {
            node.KeyBy = node.KeyBy with { Serializer = keySerializer };
        }
    }

    /// <summary>A window node's synthesized map state: windows to accumulators, each serializer resolved like a state's.</summary>
    private static ParameterModel? ResolveWindowState(ParseContext context, SerializerResolver resolver, NodeDraft node, ParameterModel state)
    {
        if (context.Compilation.GetTypeByMetadataName("DslFlow.TimeWindow") is not { } window || node.Accumulator is null)
        {
            return null;
        }
        var serializers = new List<SerializerModel>();
        foreach (ITypeSymbol type in new[] { window, node.Accumulator })
        {
            SerializerResolution resolved = resolver.Resolve(type);
            if (resolved.Problem is { } problem)
            {
                if (problem.Reason is null)
                {
                    context.Abandon(node.Method);
                    return null;
                }
                context.Report(DiagnosticIds.StateNotSerializable, node.Method, $"The windows of node '{node.Name}' cannot be saved in checkpoints: their accumulator, {Unserializable(type, problem)}");
                return null;
            }
            serializers.Add(resolved.Model!);
        }
        return state with { Serializers = serializers.ToEquatableArray() };
    }

    /// <summary>Operator state does not depend on the key: its element serializer is resolved keyed node or not.</summary>
    private static void ResolveOperatorStates(ParseContext context, SerializerResolver resolver, NodeDraft node)
    {
        for (int i = 0; i < node.Parameters.Count; i++)
        {
            ParameterModel state = node.Parameters[i];
            if (state.IsOperatorState && StateSymbol(node, state) is { } parameter
                && ResolveTypeArguments(context, resolver, node, parameter, state) is { } serializers)
            {
                node.Parameters[i] = state with { Serializers = serializers };
            }
        }
    }

    private static IParameterSymbol? StateSymbol(NodeDraft node, ParameterModel state) =>
        node.Method.Parameters.FirstOrDefault(p => p.Name == state.Name) is { Type: INamedTypeSymbol } parameter ? parameter : null;

    /// <summary>The serializers of a state's type arguments, in order; null (and reported) when one cannot be saved.</summary>
    private static EquatableArray<SerializerModel>? ResolveTypeArguments(ParseContext context, SerializerResolver resolver, NodeDraft node, IParameterSymbol parameter, ParameterModel state)
    {
        var stateType = (INamedTypeSymbol)parameter.Type;
        var serializers = new List<SerializerModel>();
        for (int a = 0; a < stateType.TypeArguments.Length; a++)
        {
            ITypeSymbol argument = stateType.TypeArguments[a];
            SerializerResolution value = resolver.Resolve(argument);
            if (value.Problem is { } problem)
            {
                ReportUnserializable(context, node, parameter, Role(state.Kind, a), argument, problem);
                return null;
            }
            serializers.Add(value.Model!);
        }
        return serializers.ToEquatableArray();
    }

    private static string Role(ParameterKind kind, int argument) => kind switch
    {
        ParameterKind.ListState or ParameterKind.OperatorListState => "in its elements",
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
        string message = $"State parameter '{parameter.Name}' of node '{node.Name}' cannot be saved in checkpoints: {role}, {Unserializable(root, problem)}";
        context.Report(DiagnosticIds.StateNotSerializable, node.Method, parameter.Locations.FirstOrDefault(), message);
    }

    /// <summary>
    /// The part of a DSLF3005 message shared by state and in-flight records: the culprit (the path from
    /// <paramref name="root"/> to it, and its type), why it cannot be saved, and the general fix when the reason does
    /// not say it already.
    /// </summary>
    private static string Unserializable(ITypeSymbol root, SerializationProblem problem)
    {
        string path = TypeNames.Display(root) + problem.Suffix;
        string culprit = problem.Suffix.Length == 0 ? $"type '{problem.TypeName}'" : $"'{path}' of type '{problem.TypeName}'";
        string text = $"{culprit} {problem.Reason}.";
        if (problem.NeedsAdvice)
        {
            text += problem.Annotatable is { } annotatable
                ? $" Use supported types ({SupportedTypes}), or annotate '{annotatable}' with [Serializer(typeof(MySerializer))], where MySerializer implements ISerializer<{annotatable}> and has a public parameterless constructor."
                : $" Use supported types ({SupportedTypes}), or a type of your own annotated with [Serializer(typeof(MySerializer))], where MySerializer implements ISerializer<T> for it and has a public parameterless constructor.";
        }
        return text;
    }
}
