using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Time.Windows;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// <c>[Window]</c> nodes: a keyed process node whose method is the aggregate (<c>static TAcc M(TIn record, TAcc acc)</c>),
/// with a synthesized map state of windows, a collector of results and the node's timers; the generated code hands
/// them to the runtime's <c>WindowOperator</c>.
/// </summary>
internal static partial class PipelineParser
{
    private static void ParseWindow(ParseContext context, NodeDraft node)
    {
        IMethodSymbol method = node.Method;
        node.WindowAttribute = node.Attribute;
        bool elements = method.Parameters.Length is 3 or 4 && KnownTypes.IsTimeWindow(method.Parameters[1].Type);
        if (elements ? !ParseElementsFunction(context, node) : !ParseAggregate(context, node))
        {
            return;
        }
        var draft = new WindowDraft();
        foreach (KeyValuePair<string, TypedConstant> argument in node.Attribute.NamedArguments)
        {
            switch (argument.Key)
            {
                case "SizeMs" when argument.Value.Value is long size: draft.Size = size; break;
                case "SlideMs" when argument.Value.Value is long slide: draft.Slide = slide; break;
                case "GapMs" when argument.Value.Value is long gap: draft.Gap = gap; break;
                case "AllowedLatenessMs" when argument.Value.Value is long lateness: draft.Lateness = lateness; break;
                case "ProcessingTime" when argument.Value.Value is bool processing: draft.ProcessingTime = processing; break;
                case "Result": draft.Result = argument.Value.Value as string; break;
                case "Merge": draft.Merge = argument.Value.Value as string; break;
                case "TimestampOf": draft.TimestampOf = argument.Value.Value as string; break;
                case "LateRecords": draft.LateRecords = argument.Value.Value as string; break;
            }
        }
        if (!CheckWindowSettings(context, node, draft))
        {
            return;
        }
        ITypeSymbol? output = elements ? node.Output : WindowResult(context, node, draft.Result);
        bool merge = elements ? CheckNoAggregateMethods(context, node, draft) : CheckWindowMerge(context, node, draft);
        bool timestamp = draft.TimestampOf is null || draft.ProcessingTime || CheckWindowTimestamp(context, node, draft.TimestampOf);
        if (output is null || !merge || !timestamp)
        {
            return;
        }
        node.Output = output;
        string accumulator = TypeNames.Full(node.Accumulator!);
        node.Parameters.Add(new ParameterModel(ParameterKind.Record, elements ? "record" : method.Parameters[0].Name, TypeNames.Full(node.Input!), null));
        node.Parameters.Add(new ParameterModel(ParameterKind.MapState, WindowModel.StateName,
            $"global::DslFlow.MapState<global::DslFlow.TimeWindow, {accumulator}>", $"global::DslFlow.TimeWindow, {accumulator}"));
        string emitted = TypeNames.Full(output);
        node.Parameters.Add(new ParameterModel(ParameterKind.Collector, "output", $"global::DslFlow.Collector<{emitted}>", emitted));
        node.Parameters.Add(new ParameterModel(ParameterKind.TimerService, "timers", "global::DslFlow.TimerService", null));
        node.WindowSettings = draft;
    }

    /// <summary>The aggregate form: <c>static TAcc M(TIn record, TAcc accumulator)</c>.</summary>
    private static bool ParseAggregate(ParseContext context, NodeDraft node)
    {
        IMethodSymbol method = node.Method;
        if (method.Parameters.Length != 2 || method.ReturnsVoid || !context.AreIdentical(method.ReturnType, method.Parameters[1].Type)
            || IsSpecialParameter(method.Parameters[0].Type) || IsSpecialParameter(method.ReturnType) || method.Parameters[0].Type.IsRefLikeType)
        {
            context.Report(DiagnosticIds.InvalidWindow, method, $"Window method '{node.Name}' must be an aggregate or a full-window function. An aggregate adds one record to a window's accumulator: 'static TAcc {node.Name}(TRecord record, TAcc accumulator)', returning the new accumulator, of the type it takes second (it starts at its default value), with Result = nameof(...) naming what a fired window emits. A full-window function gets the fired window's records: 'static TOut {node.Name}(TKey key, TimeWindow window, IReadOnlyList<TRecord> elements)', or 'static void {node.Name}(TKey key, TimeWindow window, IReadOnlyList<TRecord> elements, Collector<TOut> output)' to emit several. Windows keep their own state and timers, so the method takes nothing else.");
            return false;
        }
        node.Input = method.Parameters[0].Type;
        node.Accumulator = method.ReturnType;
        node.WindowFunction = WindowFunction.Aggregate;
        return true;
    }

    /// <summary>
    /// The full-window form: <c>static TOut M(TKey key, TimeWindow window, IReadOnlyList&lt;TIn&gt; elements)</c> or
    /// <c>static void M(TKey, TimeWindow, IReadOnlyList&lt;TIn&gt;, Collector&lt;TOut&gt;)</c>; the accumulator is a
    /// <c>List&lt;TIn&gt;</c>. The key parameter is checked once the key type is known.
    /// </summary>
    private static bool ParseElementsFunction(ParseContext context, NodeDraft node)
    {
        IMethodSymbol method = node.Method;
        bool collecting = method.Parameters.Length == 4;
        string shape = collecting
            ? $"static void {node.Name}(TKey key, TimeWindow window, IReadOnlyList<TRecord> elements, Collector<TOut> output)"
            : $"static TOut {node.Name}(TKey key, TimeWindow window, IReadOnlyList<TRecord> elements)";
        ITypeSymbol? element = ReadOnlyListElement(method.Parameters[2].Type);
        ITypeSymbol? output = collecting
            ? method.ReturnsVoid && KnownTypes.IsCollector(method.Parameters[3].Type) ? ((INamedTypeSymbol)method.Parameters[3].Type).TypeArguments[0] : null
            : method.ReturnsVoid || IsSpecialParameter(method.ReturnType) ? null : method.ReturnType;
        INamedTypeSymbol? list = context.Compilation.GetTypeByMetadataName("System.Collections.Generic.List`1");
        if (element is null || output is null || list is null || method.Parameters.Any(p => p.RefKind != RefKind.None)
            || IsSpecialParameter(method.Parameters[0].Type) || IsSpecialParameter(element) || element.IsRefLikeType || output.IsRefLikeType)
        {
            context.Report(DiagnosticIds.InvalidWindow, method, $"Full-window method '{node.Name}' must have the shape '{shape}': it gets the key, the fired window and its records (in arrival order){(collecting ? " and emits its results to the collector" : ", and returns the window's result")}.");
            return false;
        }
        node.Input = element;
        node.Output = output;
        node.Accumulator = list.Construct(element);
        node.ResultMethod = method;
        node.WindowFunction = collecting ? WindowFunction.ElementsCollecting : WindowFunction.ElementsReturning;
        return true;
    }

    /// <summary>The element type of an <c>IReadOnlyList&lt;T&gt;</c>, or null for any other type.</summary>
    private static ITypeSymbol? ReadOnlyListElement(ITypeSymbol type) =>
        type is INamedTypeSymbol { IsGenericType: true } named && named.OriginalDefinition.MetadataName == "IReadOnlyList`1"
            && UserTypeRules.IsInNamespace(named, "System.Collections.Generic")
            ? named.TypeArguments[0]
            : null;

    /// <summary>A full-window function computes its results itself: Result and Merge belong to aggregates.</summary>
    private static bool CheckNoAggregateMethods(ParseContext context, NodeDraft node, WindowDraft draft)
    {
        foreach ((string name, string? value) in new[] { ("Result", draft.Result), ("Merge", draft.Merge) })
        {
            if (value is not null)
            {
                context.Report(DiagnosticIds.InvalidWindow, node.Method, AttributeArguments.Named(node.Attribute, name, context.CancellationToken), $"Window node '{node.Name}' is a full-window function (it gets the window's elements and computes its results itself) and sets {name}, which only aggregates use. Remove {name}.");
                return false;
            }
        }
        return true;
    }

    private static bool CheckWindowSettings(ParseContext context, NodeDraft node, WindowDraft draft)
    {
        string owner = $"node '{node.Name}'";
        Location? at = AttributeArguments.OfAttribute(node.Attribute, context.CancellationToken);
        bool NotPositive(string name, long value)
        {
            if (WindowRules.NotPositive(owner, name, value) is not { } problem)
            {
                return false;
            }
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, name, context.CancellationToken) ?? at, problem);
            return true;
        }
        bool sized = HasNamed(node.Attribute, "SizeMs"), slid = HasNamed(node.Attribute, "SlideMs"), gapped = HasNamed(node.Attribute, "GapMs");
        if (sized == gapped || (gapped && slid))
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, at, $"Window node '{node.Name}' sets {(sized ? "both SizeMs and GapMs" : gapped ? "GapMs with SlideMs" : "no length")}: set SizeMs for tumbling windows (with SlideMs for sliding ones), or GapMs alone for sessions.");
            return false;
        }
        bool invalid = (sized && NotPositive("SizeMs", draft.Size)) | (slid && NotPositive("SlideMs", draft.Slide)) | (gapped && NotPositive("GapMs", draft.Gap));
        if (WindowRules.NegativeLateness(owner, draft.Lateness) is { } negative)
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, "AllowedLatenessMs", context.CancellationToken) ?? at, negative);
            invalid = true;
        }
        if (draft.ProcessingTime && draft.Lateness > 0)
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, "AllowedLatenessMs", context.CancellationToken) ?? at, $"Window node '{node.Name}' runs in processing time and sets AllowedLatenessMs = {draft.Lateness}: only event-time windows have late records. Remove the lateness, or window by event time.");
            invalid = true;
        }
        if (!invalid && slid && WindowRules.TooManyWindows(owner, draft.Size, draft.Slide) is { } many)
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, "SlideMs", context.CancellationToken) ?? at, many);
            invalid = true;
        }
        if (draft.ProcessingTime && draft.TimestampOf is not null)
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, "TimestampOf", context.CancellationToken) ?? at, $"Window node '{node.Name}' runs in processing time and names TimestampOf, which it would ignore: processing-time windows take the job's clock. Remove TimestampOf, or window by event time.");
            invalid = true;
        }
        if (draft.LateRecords is { } late && (draft.ProcessingTime || !SyntaxFacts.IsValidIdentifier(late)))
        {
            context.Report(DiagnosticIds.InvalidWindowSetting, node.Method, AttributeArguments.Named(node.Attribute, "LateRecords", context.CancellationToken) ?? at, draft.ProcessingTime
                ? $"Window node '{node.Name}' runs in processing time and sets LateRecords: only event-time windows have late records. Remove LateRecords, or window by event time."
                : $"Window node '{node.Name}' names its late-records output \"{late}\", which is not a C# identifier. Other nodes read it by this name like a node's, so give it one (for example \"Late{node.Name}\").");
            invalid = true;
        }
        if (!invalid && slid && WindowRules.SlideBeyondSize(owner, draft.Size, draft.Slide) is { } gaps)
        {
            context.Warn(DiagnosticIds.WindowSlideBeyondSize, node.Method, AttributeArguments.Named(node.Attribute, "SlideMs", context.CancellationToken), gaps);
        }
        if (!slid)
        {
            draft.Slide = draft.Size;
        }
        return !invalid;
    }

    private static bool HasNamed(AttributeData attribute, string name) => attribute.NamedArguments.Any(a => a.Key == name);

    /// <summary>The result method's output type, or null (reported); its key parameter is checked once the key type is known.</summary>
    private static ITypeSymbol? WindowResult(ParseContext context, NodeDraft node, string? name)
    {
        string accumulator = TypeNames.Display(node.Accumulator!);
        string shape = $"static TOut {(string.IsNullOrEmpty(name) ? "Emit" : name)}(TKey key, TimeWindow window, {accumulator} accumulator)";
        if (string.IsNullOrEmpty(name))
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"Window node '{node.Name}' names no result method. Set Result = nameof(...) of '{shape}', what a fired window emits.");
            return null;
        }
        var matches = context.Pipeline.GetMembers(name!).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary && m.IsStatic
            && !m.IsGenericMethod && !m.ReturnsVoid && m.Parameters.Length == 3 && m.Parameters.All(p => p.RefKind == RefKind.None)
            && KnownTypes.IsTimeWindow(m.Parameters[1].Type) && context.AreIdentical(m.Parameters[2].Type, node.Accumulator!)).ToList();
        if (matches.Count != 1)
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, matches.Count == 0
                ? $"The result method '{name}' of window node '{node.Name}' must have the shape '{shape}': static, non-generic, returning what a fired window emits."
                : $"Window node '{node.Name}' names the result method '{name}', which matches several overloads. Give it a unique name.");
            return null;
        }
        node.ResultMethod = matches[0];
        return matches[0].ReturnType;
    }

    private static bool CheckWindowMerge(ParseContext context, NodeDraft node, WindowDraft draft)
    {
        string accumulator = TypeNames.Display(node.Accumulator!);
        if (draft.Gap == 0)
        {
            if (draft.Merge is null)
            {
                return true;
            }
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"Window node '{node.Name}' sets Merge, but only session windows (GapMs) merge. Remove Merge.");
            return false;
        }
        string shape = $"static {accumulator} {(string.IsNullOrEmpty(draft.Merge) ? "Merge" : draft.Merge)}({accumulator} a, {accumulator} b)";
        var matches = string.IsNullOrEmpty(draft.Merge) ? [] : context.Pipeline.GetMembers(draft.Merge!).OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && m.IsStatic && !m.IsGenericMethod && m.Parameters.Length == 2
                && m.Parameters.All(p => p.RefKind == RefKind.None && context.AreIdentical(p.Type, node.Accumulator!))
                && context.AreIdentical(m.ReturnType, node.Accumulator!)).ToList();
        if (matches.Count != 1)
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"Session window node '{node.Name}' needs Merge = nameof(...) of '{shape}': sessions of a key that come to touch merge, and so must their accumulators.");
            return false;
        }
        return true;
    }

    private static bool CheckWindowTimestamp(ParseContext context, NodeDraft node, string name)
    {
        string shape = $"static long {name}({TypeNames.Display(node.Input!)} record)";
        int matches = context.Pipeline.GetMembers(name).OfType<IMethodSymbol>().Count(m => m.MethodKind == MethodKind.Ordinary && m.IsStatic
            && !m.IsGenericMethod && m.ReturnType.SpecialType == SpecialType.System_Int64 && m.Parameters.Length == 1
            && m.Parameters[0].RefKind == RefKind.None && context.AreIdentical(m.Parameters[0].Type, node.Input!));
        if (matches == 1)
        {
            return true;
        }
        context.Report(DiagnosticIds.InvalidWindow, node.Method, $"The TimestampOf method '{name}' of window node '{node.Name}' must have the shape '{shape}' (one overload), returning the record's event time in Unix milliseconds.");
        return false;
    }

    /// <summary>
    /// Once key types are known: the result method's key, the event time (named or the nearest upstream assigner's), the
    /// watermark warning; then the node's model and its synthesized timer handler.
    /// </summary>
    private static void CheckWindow(ParseContext context, NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        if (node.WindowSettings is not { } draft)
        {
            return; // its shape or settings were reported
        }
        if (node.KeyByName is null)
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"Window node '{node.Name}' has no KeyBy: windows are per key, their contents keyed state. Set KeyBy = nameof(KeySelector).");
            return;
        }
        if (node.KeyType is null || node.ResultMethod is null || node.Output is null)
        {
            return; // the key selector is wrong, reported already
        }
        if (!context.AreIdentical(node.ResultMethod.Parameters[0].Type, node.KeyType))
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"The result method '{node.ResultMethod.Name}' of window node '{node.Name}' takes the key as '{TypeNames.Display(node.ResultMethod.Parameters[0].Type)}', but the node's key selector returns '{TypeNames.Display(node.KeyType)}'. Take '{TypeNames.Display(node.KeyType)} key' first.");
            return;
        }
        string? timestamp = draft.ProcessingTime ? null : draft.TimestampOf ?? UpstreamAssigner(context, node, byName);
        if (!draft.ProcessingTime && timestamp is null)
        {
            context.Report(DiagnosticIds.InvalidWindow, node.Method, $"Event-time window node '{node.Name}' needs its records' event time: set TimestampOf = nameof(...) of 'static long TimeOf({TypeNames.Display(node.Input!)} record)', or put [Watermarks] on the node upstream that emits {TypeNames.Display(node.Input!)}; or set ProcessingTime = true.");
            return;
        }
        if (!draft.ProcessingTime && SourcesWithoutWatermarks(node, byName) is { Count: > 0 } sources)
        {
            context.Warn(DiagnosticIds.EventTimersWithoutWatermarks, node.Method, null, $"Event-time window node '{node.Name}' has source{(sources.Count > 1 ? "s" : "")} {string.Join(", ", sources.Select(s => "'" + s + "'"))} upstream that assign{(sources.Count > 1 ? "" : "s")} no timestamps, so its input watermark never advances and its windows fire only at the end of input. Add [Watermarks(nameof(TimestampOf), OutOfOrdernessMs = ...)] to {(sources.Count > 1 ? "those sources" : "the source")}, or set ProcessingTime = true.");
        }
        node.Window = new WindowModel(draft.Gap > 0 ? 0 : draft.Size, draft.Gap > 0 ? 0 : draft.Slide, draft.Gap, draft.Lateness,
            draft.ProcessingTime, node.ResultMethod.Name, draft.Merge, timestamp, TypeNames.Ref(node.Accumulator!), node.WindowFunction,
            draft.LateRecords);
        node.OnTimer = new OnTimerModel("", new[]
        {
            new TimerArgument(TimerArgumentKind.Time), new TimerArgument(TimerArgumentKind.Key), new TimerArgument(TimerArgumentKind.Domain),
            new TimerArgument(TimerArgumentKind.Collector), new TimerArgument(TimerArgumentKind.State, WindowModel.StateName),
        }.ToEquatableArray());
    }

    /// <summary>
    /// Each window node's late-records output becomes a node of its own: a pass-through of the window's input type,
    /// reading from the window node with its parallelism (so it is always fused with it), that the window node feeds
    /// with its late records instead of its results. Other nodes read it by name, so the usual wiring rules (names,
    /// record types, chaining, serializers) hold for it with no rules of its own.
    /// </summary>
    private static void AddLateRecordOutputs(ParseContext context, List<NodeDraft> nodes)
    {
        var names = new HashSet<string>(nodes.Select(n => n.Name));
        foreach (NodeDraft window in nodes.ToList())
        {
            if (window.WindowSettings is not { LateRecords: { } name } || window.Input is null)
            {
                continue;
            }
            if (!names.Add(name))
            {
                context.Report(DiagnosticIds.InvalidWindowSetting, window.Method, AttributeArguments.Named(window.Attribute, "LateRecords", context.CancellationToken), $"Window node '{window.Name}' names its late-records output '{name}', but the pipeline already has a node of that name. Give the output a name of its own (for example \"Late{window.Name}\").");
                continue;
            }
            var late = new NodeDraft(window.Method, NodeKind.Map, window.Attribute, name)
            {
                Input = window.Input,
                Output = window.Input,
                Parallelism = window.Parallelism,
                LateRecordsOf = window.Name,
            };
            late.Upstreams.Add(window.Name);
            nodes.Add(late);
        }
    }

    /// <summary>The timestamp assigner of the nearest <c>[Watermarks]</c> node upstream, when it emits this node's record type.</summary>
    private static string? UpstreamAssigner(ParseContext context, NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        var visited = new HashSet<string>();
        var pending = new Queue<NodeDraft>(node.Upstreams.Where(byName.ContainsKey).Select(u => byName[u]));
        var found = new HashSet<string>();
        while (pending.Count > 0)
        {
            NodeDraft current = pending.Dequeue();
            if (!visited.Add(current.Name))
            {
                continue;
            }
            if (current.WatermarksAttribute is not null)
            {
                if (current.Watermarks is { } strategy && current.Output is not null && node.Input is not null
                    && context.AreIdentical(current.Output, node.Input))
                {
                    found.Add(strategy.TimestampMethod);
                }
                else
                {
                    return null; // an assigner of another record type: which time this node's record has is the user's to say
                }
                continue;
            }
            foreach (string upstream in current.Upstreams.Where(byName.ContainsKey))
            {
                pending.Enqueue(byName[upstream]);
            }
        }
        return found.Count == 1 ? found.Single() : null;
    }
}

/// <summary>What a window node's attribute declares, kept on its draft until the key type is known.</summary>
internal sealed class WindowDraft
{
    public long Size;
    public long Slide;
    public long Gap;
    public long Lateness;
    public bool ProcessingTime;
    public string? Result;
    public string? Merge;
    public string? TimestampOf;
    public string? LateRecords;
}
