using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Parsing;

/// <summary>Method shapes: what each node attribute requires of its method.</summary>
internal static partial class PipelineParser
{
    private static NodeDraft? ParseNode(ParseContext context, IMethodSymbol method)
    {
        var attributes = method.GetAttributes()
            .Select(a => (Attribute: a, Kind: KnownTypes.NodeKindOf(a)))
            .Where(a => a.Kind is not null)
            .ToList();
        if (attributes.Count == 0)
        {
            return null;
        }
        (AttributeData attribute, NodeKind? kind) = attributes[0];
        var node = new NodeDraft(method, kind!.Value, attribute)
        {
            WatermarksAttribute = method.GetAttributes().FirstOrDefault(KnownTypes.IsWatermarksAttribute),
        };
        ReadNodeAttribute(context, node, attribute); // even for a broken method, so its links do not cascade into more problems
        if (attributes.Count > 1)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Method '{method.Name}' has several node attributes ({string.Join(", ", attributes.Select(a => a.Kind))}). A method is one node: keep one attribute.");
            return node;
        }
        if (!SyntaxFacts.IsValidIdentifier(method.Name) || ContainsErrors(method.ReturnType) || method.Parameters.Any(p => IsInvalidPart(p.Type) || !SyntaxFacts.IsValidIdentifier(p.Name)))
        {
            context.Abandon(method);
            return node;
        }
        if (!CheckMethod(context, method))
        {
            return node;
        }
        if (node.Kind is NodeKind.Source or NodeKind.Sink)
        {
            ParseFactory(context, node);
        }
        else if (KnownTypes.IsWindowAttribute(attribute))
        {
            ParseWindow(context, node);
        }
        else
        {
            ParseOperator(context, node);
        }
        return node;
    }

    private static bool CheckMethod(ParseContext context, IMethodSymbol method)
    {
        int before = context.Problems.Count;
        if (method.MethodKind != MethodKind.Ordinary)
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"'{method.Name}' is not an ordinary method; node attributes go on static methods of the pipeline class.");
            return false;
        }
        if (!method.IsStatic)
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"Node method '{method.Name}' must be static: state lives in state parameters, not in instances. Add the 'static' modifier.");
        }
        if (method.IsGenericMethod)
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"Node method '{method.Name}' must not be generic: record types are fixed when the pipeline is compiled. Remove the type parameters.");
        }
        if (method.IsAsync && method.ReturnsVoid)
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"Node method '{method.Name}' must not be 'async void': the pipeline could not see its failures. Remove 'async'.");
        }
        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"Node method '{method.Name}' must return by value, not by reference.");
        }
        foreach (IParameterSymbol parameter in method.Parameters.Where(p => p.RefKind != RefKind.None))
        {
            context.Report(DiagnosticIds.UnsupportedMethodShape, method, $"Parameter '{parameter.Name}' of node method '{method.Name}' is passed by '{parameter.RefKind.ToString().ToLowerInvariant()}'. Node methods take every parameter by value.");
        }
        return context.Problems.Count == before;
    }

    private static void ReadNodeAttribute(ParseContext context, NodeDraft node, AttributeData attribute)
    {
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0] is { Kind: TypedConstantKind.Array, IsNull: false } from)
        {
            foreach (TypedConstant value in from.Values)
            {
                AddUpstream(context, node, value.Value as string);
            }
        }
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "Parallelism" when argument.Value.Value is int parallelism:
                    node.Parallelism = parallelism;
                    if (parallelism < 0)
                    {
                        context.Report(DiagnosticIds.InvalidParallelism, node.Method, AttributeArguments.Named(attribute, "Parallelism", context.CancellationToken), $"Node '{node.Name}' sets Parallelism = {parallelism}; use a positive value, or 0 for the pipeline's default.");
                    }
                    break;
                case "From":
                    AddUpstream(context, node, argument.Value.Value as string);
                    break;
                case "KeyBy":
                    node.KeyByName = argument.Value.Value as string;
                    break;
                case "AcceptAtLeastOnce" when argument.Value.Value is bool accept:
                    node.AcceptsAtLeastOnce = accept;
                    break;
                case "Partitioning" when argument.Value.Value is int partitioning:
                    if (partitioning is < 0 or > 2)
                    {
                        context.Report(DiagnosticIds.InvalidNodeSignature, node.Method, $"Node '{node.Name}' sets Partitioning to {partitioning}, which is not a Partitioning value (Auto, Rebalance or Broadcast).");
                    }
                    node.Partitioning = (PartitioningKind)partitioning;
                    break;
            }
        }
    }

    private static void AddUpstream(ParseContext context, NodeDraft node, string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            context.Report(DiagnosticIds.UnknownUpstream, node.Method, $"Node '{node.Name}' names an empty upstream. Use nameof(...) of an upstream node method.");
        }
        else if (!node.Upstreams.Contains(name!))
        {
            node.Upstreams.Add(name!);
        }
    }

    /// <summary>Sources and sinks: a factory method returning an <c>ISource&lt;T&gt;</c> or <c>ISink&lt;T&gt;</c>.</summary>
    private static void ParseFactory(ParseContext context, NodeDraft node)
    {
        IMethodSymbol method = node.Method;
        bool isSource = node.Kind == NodeKind.Source;
        string role = isSource ? "Source" : "Sink";
        string iface = isSource ? "ISource<T>" : "ISink<T>";
        bool takesContext = method.Parameters.Length == 1 && KnownTypes.IsPipelineContext(method.Parameters[0].Type);
        if (method.Parameters.Length > 0 && !takesContext)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"{role} method '{node.Name}' must take no parameters or a single PipelineContext; it is a factory called once per job.");
        }
        ITypeSymbol returnType = method.ReturnType;
        List<ITypeSymbol> elements = method.ReturnsVoid ? [] : KnownTypes.ElementTypesOf(returnType, isSource ? "ISource`1" : "ISink`1");
        if (elements.Count == 0)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"{role} method '{node.Name}' must return a type that implements {iface}; it returns '{TypeNames.Display(returnType)}'.");
            return;
        }
        if (elements.Distinct<ITypeSymbol>(SymbolEqualityComparer.Default).Count() > 1)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"{role} method '{node.Name}' returns '{TypeNames.Display(returnType)}', which implements {iface} for several types ({string.Join(", ", elements.Select(TypeNames.Display))}). Return the {iface} interface of the record type you mean.");
            return;
        }
        if (returnType.IsValueType)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"{role} method '{node.Name}' returns the value type '{TypeNames.Display(returnType)}'; return a class or the {iface} interface.");
            return;
        }
        if (isSource)
        {
            node.Output = elements[0];
        }
        else
        {
            node.Input = elements[0];
        }
        node.IsTransactionalSink = !isSource && KnownTypes.IsTransactionalSink(returnType);
        node.Factory = new FactoryModel(
            TypeNames.Full(TypeNames.WithoutNullableAnnotation(returnType)), takesContext, TypeNames.IsAnnotatedReference(returnType));
    }

    /// <summary>Map, FlatMap, Filter and Process: the record first, then keyed and operator state (and the Process collector).</summary>
    private static void ParseOperator(ParseContext context, NodeDraft node)
    {
        IMethodSymbol method = node.Method;
        if (method.Parameters.Length == 0 || IsSpecialParameter(method.Parameters[0].Type))
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Node method '{node.Name}' must take the input record as its first parameter.");
            return;
        }
        IParameterSymbol record = method.Parameters[0];
        if (record.Type.IsRefLikeType)
        {
            context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Node method '{node.Name}' takes a '{TypeNames.Display(record.Type)}' record; ref struct types cannot be buffered between nodes.");
            return;
        }
        node.Input = record.Type;
        node.Parameters.Add(new ParameterModel(ParameterKind.Record, record.Name, TypeNames.Full(record.Type), null));
        ITypeSymbol? collected = null;
        foreach (IParameterSymbol parameter in method.Parameters.Skip(1))
        {
            if (KnownTypes.StateKindOf(parameter.Type) is { } stateKind)
            {
                node.Parameters.Add(StateParameter(parameter, stateKind));
            }
            else if (KnownTypes.IsTimerService(parameter.Type))
            {
                if (node.Parameters.Exists(p => p.Kind == ParameterKind.TimerService))
                {
                    context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Node method '{node.Name}' takes several TimerService parameters; take one.");
                }
                node.Parameters.Add(new ParameterModel(ParameterKind.TimerService, parameter.Name, "global::DslFlow.TimerService", null));
            }
            else if (node.Kind == NodeKind.Process && KnownTypes.IsCollector(parameter.Type))
            {
                if (collected is not null)
                {
                    context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Process method '{node.Name}' takes several Collector parameters; take exactly one.");
                }
                collected = ((INamedTypeSymbol)parameter.Type).TypeArguments[0];
                node.Parameters.Add(new ParameterModel(ParameterKind.Collector, parameter.Name, TypeNames.Full(TypeNames.WithoutNullableAnnotation(parameter.Type)), TypeNames.Full(collected)));
            }
            else
            {
                context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Parameter '{parameter.Name}' of node method '{node.Name}' has type '{TypeNames.Display(parameter.Type)}'. After the record, a {node.Kind} method may only take keyed state (ValueState<T>, ListState<T>, MapState<K, V>){(node.Kind == NodeKind.Process ? ", operator state (OperatorListState<T>), one Collector<T> and a keyed node's TimerService" : " and operator state (OperatorListState<T>)")}.");
            }
        }
        node.Output = OperatorOutput(context, node, collected);
    }

    private static ITypeSymbol? OperatorOutput(ParseContext context, NodeDraft node, ITypeSymbol? collected)
    {
        IMethodSymbol method = node.Method;
        switch (node.Kind)
        {
            case NodeKind.Map when method.ReturnsVoid:
                context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Map method '{node.Name}' returns void; a map returns one output per input. Return the output, or use [Process] with a Collector.");
                return null;
            case NodeKind.Map:
                return method.ReturnType;
            case NodeKind.FlatMap:
                List<ITypeSymbol> elements = method.ReturnsVoid ? [] : KnownTypes.EnumerableElementTypes(method.ReturnType);
                if (elements.Distinct<ITypeSymbol>(SymbolEqualityComparer.Default).Count() != 1)
                {
                    context.Report(DiagnosticIds.InvalidNodeSignature, method, $"FlatMap method '{node.Name}' must return IEnumerable<T> (or a type implementing it for exactly one T); it returns '{TypeNames.Display(method.ReturnType)}'.");
                    return null;
                }
                return elements[0];
            case NodeKind.Filter when method.ReturnType.SpecialType != SpecialType.System_Boolean:
                context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Filter method '{node.Name}' must return bool (true keeps the record); it returns '{TypeNames.Display(method.ReturnType)}'.");
                return null;
            case NodeKind.Filter:
                return node.Input;
            case NodeKind.Process when !method.ReturnsVoid:
                context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Process method '{node.Name}' must return void; it emits its outputs through its Collector<T> parameter.");
                return null;
            case NodeKind.Process when collected is null:
                context.Report(DiagnosticIds.InvalidNodeSignature, method, $"Process method '{node.Name}' must take one Collector<T> parameter, through which it emits its outputs.");
                return null;
            default:
                return collected;
        }
    }

    private static bool IsSpecialParameter(ITypeSymbol type) =>
        KnownTypes.StateKindOf(type) is not null || KnownTypes.IsCollector(type) || KnownTypes.IsPipelineContext(type) || KnownTypes.IsTimerService(type);

    private static ParameterModel StateParameter(IParameterSymbol parameter, ParameterKind kind)
    {
        var type = (INamedTypeSymbol)parameter.Type;
        string arguments = string.Join(", ", type.TypeArguments.Select(TypeNames.Full));
        return new ParameterModel(kind, parameter.Name, TypeNames.Full(TypeNames.WithoutNullableAnnotation(type)), arguments);
    }
}
