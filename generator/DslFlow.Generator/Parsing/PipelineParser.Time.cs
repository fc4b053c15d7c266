using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Time;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// Event time: a source's or an operator's <c>[Watermarks]</c> (its timestamp assigner and durations), a keyed process node's
/// <c>TimerService</c> and its <c>[OnTimer]</c> handler, and whether event time reaches the nodes that use it.
/// </summary>
internal static partial class PipelineParser
{
    private static void CheckTime(ParseContext context, List<NodeDraft> nodes)
    {
        foreach (NodeDraft node in nodes)
        {
            if (node.WatermarksAttribute is { } attribute)
            {
                node.Watermarks = ParseWatermarks(context, node, attribute);
            }
        }
        var byName = new Dictionary<string, NodeDraft>();
        foreach (NodeDraft node in nodes)
        {
            byName[node.Name] = node; // duplicates were reported by the wiring rules
        }
        foreach (IMethodSymbol method in context.Pipeline.GetMembers().OfType<IMethodSymbol>())
        {
            if (method.GetAttributes().FirstOrDefault(KnownTypes.IsOnTimerAttribute) is { } onTimer)
            {
                AttachOnTimer(context, method, onTimer, byName);
            }
        }
        foreach (NodeDraft node in nodes.Where(n => n.WindowAttribute is not null))
        {
            CheckWindow(context, node, byName);
        }
        foreach (NodeDraft node in nodes.Where(n => n.HasTimers && n.WindowAttribute is null))
        {
            CheckTimerNode(context, node, byName);
        }
    }

    private static WatermarkModel? ParseWatermarks(ParseContext context, NodeDraft node, AttributeData attribute)
    {
        Location? at = AttributeArguments.OfAttribute(attribute, context.CancellationToken);
        if (node.Kind == NodeKind.Sink)
        {
            context.Report(DiagnosticIds.InvalidWatermarkSetting, node.Method, at, $"Sink '{node.Name}' has [Watermarks], but a sink emits no records to stamp. Put the attribute on the source, or on the node whose output carries the event time.");
            return null;
        }
        string? assigner = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        long outOfOrderness = 0, idle = 0, interval = 200;
        bool idleSet = false;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Value.Value is not long value)
            {
                continue;
            }
            switch (argument.Key)
            {
                case "OutOfOrdernessMs": outOfOrderness = value; break;
                case "IdleTimeoutMs": idle = value; idleSet = true; break;
                case "IntervalMs": interval = value; break;
            }
        }
        string owner = Owner(node);
        bool valid = CheckDuration(context, node, attribute, WatermarkRules.OutOfOrderness, "OutOfOrdernessMs", outOfOrderness, owner)
            & (!idleSet || CheckDuration(context, node, attribute, WatermarkRules.IdleTimeout, "IdleTimeoutMs", idle, owner))
            & CheckDuration(context, node, attribute, WatermarkRules.EmitInterval, "IntervalMs", interval, owner);
        bool assignerValid = CheckTimestampAssigner(context, node, attribute, assigner);
        return valid && assignerValid ? new WatermarkModel(assigner!, outOfOrderness, idle, interval) : null;
    }

    private static bool CheckDuration(ParseContext context, NodeDraft node, AttributeData attribute, string setting, string name, long value, string owner)
    {
        if (WatermarkRules.NotPositive(owner, setting, name, value, value.ToString(System.Globalization.CultureInfo.InvariantCulture)) is not { } problem)
        {
            return true;
        }
        Location? at = AttributeArguments.Named(attribute, name, context.CancellationToken) ?? AttributeArguments.OfAttribute(attribute, context.CancellationToken);
        context.Report(DiagnosticIds.InvalidWatermarkSetting, node.Method, at, problem);
        return false;
    }

    private static bool CheckTimestampAssigner(ParseContext context, NodeDraft node, AttributeData attribute, string? name)
    {
        if (node.Output is null)
        {
            return false; // the node's own shape is wrong, reported already
        }
        string owner = Owner(node);
        string record = node.Kind == NodeKind.Source ? "the source's record type" : "the node's output type";
        string shape = $"static long {(string.IsNullOrEmpty(name) ? "TimestampOf" : name)}({TypeNames.Display(node.Output)} record)";
        Location? at = string.IsNullOrEmpty(name) ? AttributeArguments.OfAttribute(attribute, context.CancellationToken)
            : AttributeArguments.NameReference(attribute, name!, "From", context.CancellationToken);
        if (string.IsNullOrEmpty(name))
        {
            context.Report(DiagnosticIds.InvalidTimestampAssigner, node.Method, at, $"[Watermarks] of {owner} names no timestamp assigner. Pass nameof(...) of '{shape}', returning the record's event time in Unix milliseconds.");
            return false;
        }
        var candidates = context.Pipeline.GetMembers(name!).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        if (candidates.Count == 0)
        {
            context.Report(DiagnosticIds.InvalidTimestampAssigner, node.Method, at, $"[Watermarks] of {owner} names the timestamp assigner '{name}', but pipeline '{context.Pipeline.Name}' has no method '{name}'. Add '{shape}', returning the record's event time in Unix milliseconds.");
            return false;
        }
        var matches = candidates.Where(m => m.IsStatic && !m.IsGenericMethod && m.ReturnType.SpecialType == SpecialType.System_Int64
            && m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.None && context.AreIdentical(node.Output, m.Parameters[0].Type)).ToList();
        if (matches.Count != 1)
        {
            context.Report(DiagnosticIds.InvalidTimestampAssigner, node.Method, at, matches.Count == 0
                ? $"Timestamp assigner '{name}' of {owner} must have the shape '{shape}': static, non-generic, one parameter of {record}, returning Unix milliseconds as a long."
                : $"[Watermarks] of {owner} names '{name}', which matches several overloads. Give the timestamp assigner a unique name.");
            return false;
        }
        return true;
    }

    /// <summary>How messages name the node that assigns timestamps: "source 'X'" or "node 'X'".</summary>
    private static string Owner(NodeDraft node) => node.Kind == NodeKind.Source ? $"source '{node.Name}'" : $"node '{node.Name}'";

    /// <summary>Reads an <c>[OnTimer]</c> method into its node's draft, reporting what does not fit.</summary>
    private static void AttachOnTimer(ParseContext context, IMethodSymbol method, AttributeData attribute, Dictionary<string, NodeDraft> byName)
    {
        string? target = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;
        Location? at = string.IsNullOrEmpty(target) ? AttributeArguments.OfAttribute(attribute, context.CancellationToken)
            : AttributeArguments.NameReference(attribute, target!, "From", context.CancellationToken);
        if (method.GetAttributes().Any(a => KnownTypes.NodeKindOf(a) is not null))
        {
            context.Report(DiagnosticIds.InvalidOnTimer, method, at, $"Method '{method.Name}' is both a node and an [OnTimer] handler. A handler is its own method: move [OnTimer] to a separate static method.");
            return;
        }
        if (string.IsNullOrEmpty(target) || !byName.TryGetValue(target!, out NodeDraft? node))
        {
            context.Report(DiagnosticIds.InvalidOnTimer, method, at, $"[OnTimer] method '{method.Name}' names node '{target}', which is not a node of pipeline '{context.Pipeline.Name}' (its nodes: {string.Join(", ", byName.Keys)}). Use nameof(...) of the keyed [Process] method whose timers it handles.");
            return;
        }
        if (node.WindowAttribute is not null)
        {
            context.Report(DiagnosticIds.InvalidOnTimer, method, at, $"[OnTimer] method '{method.Name}' names window node '{node.Name}', whose timers fire its windows. A window node takes no handler: what a fired window emits is its Result method's.");
            return;
        }
        if (node.OnTimerMethod is { } other)
        {
            context.Report(DiagnosticIds.InvalidOnTimer, method, at, $"Node '{node.Name}' has several [OnTimer] handlers ('{other.Name}' and '{method.Name}'). A node's timers go to one handler, which can tell them apart by time or TimeDomain: keep one.");
            return;
        }
        node.OnTimerMethod = method;
        if (node.Kind != NodeKind.Process || node.KeyByName is null)
        {
            return; // CheckTimerNode reports it (DSLF5001), once per node
        }
        if (!CheckMethod(context, method) || method.Parameters.Any(p => IsInvalidPart(p.Type)) || !method.ReturnsVoid)
        {
            if (!method.ReturnsVoid)
            {
                context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' must return void; it emits through the node's Collector<T>.");
            }
            return;
        }
        if (node.KeyType is null || node.Output is null)
        {
            return; // the node's key selector or collector is wrong, reported already
        }
        node.OnTimer = ParseOnTimerArguments(context, method, node);
    }

    private static OnTimerModel? ParseOnTimerArguments(ParseContext context, IMethodSymbol method, NodeDraft node)
    {
        string expected = $"static void {method.Name}(long time, then any of: {TypeNames.Display(node.KeyType!)} key, TimeDomain domain, Collector<{TypeNames.Display(node.Output!)}> output, the node's keyed state parameters, TimerService timers)";
        if (method.Parameters.Length == 0 || method.Parameters[0].Type.SpecialType != SpecialType.System_Int64)
        {
            context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' must take the timer's time (long, Unix milliseconds) first: '{expected}'.");
            return null;
        }
        if (method.Parameters[0].Name == "key" || method.Parameters.Skip(1).Any(p => p.Name == "time" && p.Type.SpecialType == SpecialType.System_Int64))
        {
            // With a long key both parameters are longs: the position decides, and a name says the author meant otherwise.
            context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' names its parameters as if the time were not first: the timer's time is always the first parameter, then the key. Reorder or rename them: '{expected}'.");
            return null;
        }
        var arguments = new List<TimerArgument> { new(TimerArgumentKind.Time) };
        var seen = new HashSet<TimerArgumentKind>();
        bool valid = true;
        foreach (IParameterSymbol parameter in method.Parameters.Skip(1))
        {
            TimerArgument? argument = ClassifyTimerParameter(context, method, node, parameter);
            if (argument is null)
            {
                valid = false;
                continue;
            }
            if (argument.Kind != TimerArgumentKind.State && !seen.Add(argument.Kind))
            {
                context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' takes the {argument.Kind} twice (parameter '{parameter.Name}'); take it once: '{expected}'.");
                valid = false;
                continue;
            }
            arguments.Add(argument);
        }
        return valid ? new OnTimerModel(method.Name, arguments.ToEquatableArray()) : null;
    }

    private static TimerArgument? ClassifyTimerParameter(ParseContext context, IMethodSymbol method, NodeDraft node, IParameterSymbol parameter)
    {
        ITypeSymbol type = parameter.Type;
        if (KnownTypes.IsTimeDomain(type))
        {
            return new TimerArgument(TimerArgumentKind.Domain);
        }
        if (KnownTypes.IsTimerService(type))
        {
            return new TimerArgument(TimerArgumentKind.Timers);
        }
        if (KnownTypes.IsCollector(type))
        {
            ITypeSymbol emitted = ((INamedTypeSymbol)type).TypeArguments[0];
            if (context.AreIdentical(emitted, node.Output!))
            {
                return new TimerArgument(TimerArgumentKind.Collector);
            }
            context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' takes '{TypeNames.Display(type)}', but node '{node.Name}' emits '{TypeNames.Display(node.Output!)}'. Take Collector<{TypeNames.Display(node.Output!)}>: a timer's outputs go where the node's go.");
            return null;
        }
        if (KnownTypes.StateKindOf(type) is { } kind)
        {
            ParameterModel? state = node.Parameters.FirstOrDefault(p => p.IsKeyedState && p.Name == parameter.Name);
            IParameterSymbol? declared = node.Method.Parameters.FirstOrDefault(p => p.Name == parameter.Name);
            if (kind == ParameterKind.OperatorListState)
            {
                context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' takes operator state '{parameter.Name}'; a timer runs for one key, so it takes the node's keyed state only.");
                return null;
            }
            if (state is null || declared is null || !context.AreIdentical(declared.Type, type))
            {
                string states = string.Join(", ", node.Method.Parameters.Where(p => KnownTypes.StateKindOf(p.Type) is ParameterKind.ValueState or ParameterKind.ListState or ParameterKind.MapState).Select(p => $"{TypeNames.Display(p.Type)} {p.Name}"));
                context.Report(DiagnosticIds.InvalidOnTimer, method, $"[OnTimer] method '{method.Name}' takes state '{TypeNames.Display(type)} {parameter.Name}', which node '{node.Name}' does not declare{(states.Length == 0 ? " (it has no keyed state)" : $" (its keyed state: {states})")}. A handler receives the node's own state: use the same parameter name and type.");
                return null;
            }
            return new TimerArgument(TimerArgumentKind.State, parameter.Name);
        }
        if (context.AreIdentical(type, node.KeyType!))
        {
            return new TimerArgument(TimerArgumentKind.Key);
        }
        context.Report(DiagnosticIds.InvalidOnTimer, method, $"Parameter '{parameter.Name}' of [OnTimer] method '{method.Name}' has type '{TypeNames.Display(type)}', which a timer handler of node '{node.Name}' cannot take. After the time it takes the key ({TypeNames.Display(node.KeyType!)}), a TimeDomain, the node's Collector<{TypeNames.Display(node.Output!)}>, the node's keyed state by name and a TimerService.");
        return null;
    }

    private static void CheckTimerNode(ParseContext context, NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        if (node.Kind != NodeKind.Process || node.KeyByName is null)
        {
            string what = node.Parameters.Exists(p => p.Kind == ParameterKind.TimerService) ? "takes a TimerService" : $"has the [OnTimer] handler '{node.OnTimerMethod!.Name}'";
            string fix = node.Kind != NodeKind.Process
                ? $"Timers belong to keyed [Process] nodes: make '{node.Name}' a [Process] node with KeyBy and a Collector<T>."
                : $"Set KeyBy = nameof(KeySelector) on '{node.Name}': a timer fires for one key, with that key's state.";
            context.Report(DiagnosticIds.TimerOnNonKeyedNode, node.Method, $"Node '{node.Name}' {what}, but timers are keyed state and it is {(node.Kind != NodeKind.Process ? $"a {node.Kind} node" : "not keyed")}. {fix}");
            return;
        }
        if (node.OnTimerMethod is null)
        {
            context.Report(DiagnosticIds.InvalidOnTimer, node.Method, $"Node '{node.Name}' takes a TimerService but no [OnTimer] method handles its timers, so they would fire into nothing. Add 'static void On{node.Name}Timer(long time, Collector<{(node.Output is null ? "T" : TypeNames.Display(node.Output))}> output)' marked [OnTimer(nameof({node.Name}))].");
            return;
        }
        if (RegistersEventTimeTimers(context, node) && SourcesWithoutWatermarks(node, byName) is { Count: > 0 } sources)
        {
            context.Warn(DiagnosticIds.EventTimersWithoutWatermarks, node.Method, null, $"Node '{node.Name}' registers event-time timers, but source{(sources.Count > 1 ? "s" : "")} {string.Join(", ", sources.Select(s => "'" + s + "'"))} upstream assign{(sources.Count > 1 ? "" : "s")} no timestamps, so its input watermark never advances and the timers fire only at the end of input. Add [Watermarks(nameof(TimestampOf), OutOfOrdernessMs = ...)] to {(sources.Count > 1 ? "those sources" : "the source")}, or register processing-time timers.");
        }
    }

    /// <summary>True when the node's method or its handler calls <c>RegisterEventTimeTimer</c> (by name: a cheap syntax check).</summary>
    private static bool RegistersEventTimeTimers(ParseContext context, NodeDraft node)
    {
        foreach (IMethodSymbol method in new[] { node.Method, node.OnTimerMethod! })
        {
            foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(context.CancellationToken).DescendantNodes().OfType<SimpleNameSyntax>()
                    .Any(n => n.Identifier.ValueText == "RegisterEventTimeTimer"))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// The sources upstream of <paramref name="node"/> whose records reach it without timestamps: any of them holds its
    /// input watermark back. A node with [Watermarks] on the way stamps what passes it; the node's own attribute stamps
    /// its output, not its input.
    /// </summary>
    private static List<string> SourcesWithoutWatermarks(NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        var found = new SortedSet<string>(System.StringComparer.Ordinal);
        var visited = new HashSet<string>();
        var pending = new Stack<NodeDraft>();
        foreach (string upstream in node.Upstreams)
        {
            if (byName.TryGetValue(upstream, out NodeDraft? first))
            {
                pending.Push(first);
            }
        }
        while (pending.Count > 0)
        {
            NodeDraft current = pending.Pop();
            if (!visited.Add(current.Name) || current.WatermarksAttribute is not null)
            {
                continue;
            }
            if (current.Kind == NodeKind.Source)
            {
                found.Add(current.Name);
            }
            foreach (string upstream in current.Upstreams)
            {
                if (byName.TryGetValue(upstream, out NodeDraft? next))
                {
                    pending.Push(next);
                }
            }
        }
        return found.ToList();
    }
}
