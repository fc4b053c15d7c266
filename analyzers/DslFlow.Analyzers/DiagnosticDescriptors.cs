using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using DslFlow.Generator.Diagnostics;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers;

/// <summary>
/// Every DslFlow diagnostic. Ids are <see cref="DiagnosticIds"/> (DSLF + four digits by area: 0xxx internal errors, 1xxx checkpoint
/// configuration, 2xxx wiring and method shapes, 3xxx state and keys, 4xxx sources and sinks, 5xxx time). The message is the
/// parser's (or, for 1xxx, the runtime's shared <c>CheckpointRules</c>) text, so it is written once.
/// </summary>
internal static class DiagnosticDescriptors
{
    /// <summary>
    /// The default location of each rule's page, <c>{HelpLinkBase}{id}.md</c>: the repository's published docs. Builds
    /// that reference the DslFlow package or this repository link to the installed pages instead (see <see cref="HelpLinks"/>).
    /// </summary>
    public const string HelpLinkBase = DiagnosticIds.HelpLinkBase;

    public const string InternalCategory = GeneratorDiagnostics.InternalCategory;
    public const string CheckpointingCategory = "DslFlow.Checkpointing";
    public const string WiringCategory = "DslFlow.Wiring";
    public const string StateCategory = "DslFlow.State";
    public const string SinksCategory = "DslFlow.Sinks";
    public const string TimeCategory = "DslFlow.Time";

    /// <summary>The parser's message: what is wrong, where, and how to fix it.</summary>
    private const string Message = "{0}";

    /// <summary>DSLF0001: reported by the generator when its emitter throws; listed here so it is tracked with every rule.</summary>
    public static readonly DiagnosticDescriptor GeneratorFailed = GeneratorDiagnostics.GeneratorFailed;

    public static readonly DiagnosticDescriptor UnalignedRequiresExactlyOnce = new(
        DiagnosticIds.UnalignedRequiresExactlyOnce,
        "Unaligned checkpoints require exactly-once mode",
        Message,
        CheckpointingCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.UnalignedRequiresExactlyOnce + ".md");
    public static readonly DiagnosticDescriptor AlignedTimeoutRequiresUnaligned = new(
        DiagnosticIds.AlignedTimeoutRequiresUnaligned,
        "An aligned-checkpoint timeout requires unaligned checkpoints",
        Message,
        CheckpointingCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.AlignedTimeoutRequiresUnaligned + ".md");
    public static readonly DiagnosticDescriptor UnalignedRequiresOneConcurrent = new(
        DiagnosticIds.UnalignedRequiresOneConcurrent,
        "Unaligned checkpoints allow one concurrent checkpoint",
        Message,
        CheckpointingCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.UnalignedRequiresOneConcurrent + ".md");
    public static readonly DiagnosticDescriptor CheckpointValueOutOfRange = new(
        DiagnosticIds.CheckpointValueOutOfRange,
        "Checkpoint setting out of range",
        Message,
        CheckpointingCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.CheckpointValueOutOfRange + ".md");

    public static readonly DiagnosticDescriptor AnalysisFailed = new(
        DiagnosticIds.AnalysisFailed,
        "The DslFlow generator failed on a pipeline",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.AnalysisFailed + ".md");
    public static readonly DiagnosticDescriptor PipelineNotPartial = new(
        DiagnosticIds.PipelineNotPartial,
        "Pipeline class must be partial",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.PipelineNotPartial + ".md");
    public static readonly DiagnosticDescriptor InvalidPipelineType = new(
        DiagnosticIds.InvalidPipelineType,
        "Pipeline class cannot host the generated code",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidPipelineType + ".md");
    public static readonly DiagnosticDescriptor NoSource = new(
        DiagnosticIds.NoSource,
        "Pipeline has no source",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.NoSource + ".md");
    public static readonly DiagnosticDescriptor UnknownUpstream = new(
        DiagnosticIds.UnknownUpstream,
        "Unknown upstream node",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.UnknownUpstream + ".md");
    public static readonly DiagnosticDescriptor UpstreamTypeMismatch = new(
        DiagnosticIds.UpstreamTypeMismatch,
        "Upstream output does not match the node's input",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.UpstreamTypeMismatch + ".md");
    public static readonly DiagnosticDescriptor Cycle = new(
        DiagnosticIds.Cycle,
        "Pipeline nodes form a cycle",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.Cycle + ".md");
    public static readonly DiagnosticDescriptor NodeWithoutUpstream = new(
        DiagnosticIds.NodeWithoutUpstream,
        "Node reads from no upstream node",
        Message,
        WiringCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.NodeWithoutUpstream + ".md");
    public static readonly DiagnosticDescriptor NodeNothingReads = new(
        DiagnosticIds.NodeNothingReads,
        "No node reads this node's output",
        Message,
        WiringCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.NodeNothingReads + ".md");
    public static readonly DiagnosticDescriptor DuplicateNodeName = new(
        DiagnosticIds.DuplicateNodeName,
        "Duplicate node name",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.DuplicateNodeName + ".md");
    public static readonly DiagnosticDescriptor InvalidParallelism = new(
        DiagnosticIds.InvalidParallelism,
        "Invalid parallelism",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidParallelism + ".md");
    public static readonly DiagnosticDescriptor UnsupportedMethodShape = new(
        DiagnosticIds.UnsupportedMethodShape,
        "Unsupported node method shape",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.UnsupportedMethodShape + ".md");
    public static readonly DiagnosticDescriptor InvalidNodeSignature = new(
        DiagnosticIds.InvalidNodeSignature,
        "Node method signature does not fit its node kind",
        Message,
        WiringCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidNodeSignature + ".md");

    public static readonly DiagnosticDescriptor KeyedStateWithoutKeyBy = new(
        DiagnosticIds.KeyedStateWithoutKeyBy,
        "Keyed state in a node without KeyBy",
        Message,
        StateCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.KeyedStateWithoutKeyBy + ".md");
    public static readonly DiagnosticDescriptor InvalidKeySelector = new(
        DiagnosticIds.InvalidKeySelector,
        "Key selector is missing or has the wrong shape",
        Message,
        StateCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidKeySelector + ".md");
    public static readonly DiagnosticDescriptor KeyWithoutStableHash = new(
        DiagnosticIds.KeyWithoutStableHash,
        "Key type has no stable hash",
        Message,
        StateCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.KeyWithoutStableHash + ".md");
    public static readonly DiagnosticDescriptor StaticFieldWrittenByNode = new(
        DiagnosticIds.StaticFieldWrittenByNode,
        "Node method writes a static field, which no checkpoint covers",
        "Node method '{0}' writes static field '{1}', which no checkpoint saves or restores: after a failure it keeps values from records that are replayed, and each process has its own copy. Keep the value in keyed state (ValueState<T>) or operator state (OperatorListState<T>) instead.",
        StateCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.StaticFieldWrittenByNode + ".md");
    public static readonly DiagnosticDescriptor StateNotSerializable = new(
        DiagnosticIds.StateNotSerializable,
        "State or in-flight record type cannot be serialized",
        Message,
        StateCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.StateNotSerializable + ".md");

    public static readonly DiagnosticDescriptor SinkNotTransactional = new(
        DiagnosticIds.SinkNotTransactional,
        "Exactly-once pipeline writes to a sink that is not transactional",
        Message,
        SinksCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.SinkNotTransactional + ".md");
    public static readonly DiagnosticDescriptor CompactionWithoutCheckpointing = new(
        DiagnosticIds.CompactionWithoutCheckpointing,
        "File sink compaction in a pipeline without checkpointing",
        Message,
        SinksCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.CompactionWithoutCheckpointing + ".md");
    public static readonly DiagnosticDescriptor InvalidCompactionSetting = new(
        DiagnosticIds.InvalidCompactionSetting,
        "File sink compaction setting out of range",
        Message,
        SinksCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidCompactionSetting + ".md");

    public static readonly DiagnosticDescriptor TimerOnNonKeyedNode = new(
        DiagnosticIds.TimerOnNonKeyedNode,
        "Timers on a node that is not a keyed process node",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.TimerOnNonKeyedNode + ".md");
    public static readonly DiagnosticDescriptor InvalidOnTimer = new(
        DiagnosticIds.InvalidOnTimer,
        "OnTimer handler does not fit its node",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidOnTimer + ".md");
    public static readonly DiagnosticDescriptor EventTimersWithoutWatermarks = new(
        DiagnosticIds.EventTimersWithoutWatermarks,
        "Event-time timers with no watermarks upstream",
        Message,
        TimeCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.EventTimersWithoutWatermarks + ".md");
    public static readonly DiagnosticDescriptor InvalidWatermarkSetting = new(
        DiagnosticIds.InvalidWatermarkSetting,
        "Watermark strategy out of range or on a sink",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidWatermarkSetting + ".md");
    public static readonly DiagnosticDescriptor InvalidTimestampAssigner = new(
        DiagnosticIds.InvalidTimestampAssigner,
        "Timestamp assigner is missing or has the wrong shape",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidTimestampAssigner + ".md");
    public static readonly DiagnosticDescriptor InvalidWindow = new(
        DiagnosticIds.InvalidWindow,
        "Window node does not fit its methods or key",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidWindow + ".md");
    public static readonly DiagnosticDescriptor InvalidWindowSetting = new(
        DiagnosticIds.InvalidWindowSetting,
        "Window length or lateness out of range",
        Message,
        TimeCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.InvalidWindowSetting + ".md");
    public static readonly DiagnosticDescriptor WindowSlideBeyondSize = new(
        DiagnosticIds.WindowSlideBeyondSize,
        "Sliding window slides further than it is long",
        Message,
        TimeCategory,
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.WindowSlideBeyondSize + ".md");
    public static readonly DiagnosticDescriptor LateRecordsUnread = new(
        DiagnosticIds.LateRecordsUnread,
        "Late-records output nobody reads",
        Message,
        TimeCategory,
        DiagnosticSeverity.Info,
        isEnabledByDefault: true,
        helpLinkUri: HelpLinkBase + DiagnosticIds.LateRecordsUnread + ".md");

    /// <summary>The descriptors of the problems the shared parser reports, by id.</summary>
    public static readonly ImmutableDictionary<string, DiagnosticDescriptor> ParserRules = new[]
    {
        UnalignedRequiresExactlyOnce, AlignedTimeoutRequiresUnaligned, UnalignedRequiresOneConcurrent, CheckpointValueOutOfRange,
        AnalysisFailed, PipelineNotPartial, InvalidPipelineType, NoSource, UnknownUpstream, UpstreamTypeMismatch, Cycle,
        NodeWithoutUpstream, NodeNothingReads, DuplicateNodeName, InvalidParallelism, UnsupportedMethodShape, InvalidNodeSignature,
        KeyedStateWithoutKeyBy, InvalidKeySelector, KeyWithoutStableHash, StateNotSerializable, SinkNotTransactional,
        TimerOnNonKeyedNode, InvalidOnTimer, EventTimersWithoutWatermarks, InvalidWatermarkSetting, InvalidTimestampAssigner,
        InvalidWindow, InvalidWindowSetting, WindowSlideBeyondSize, LateRecordsUnread,
    }.ToImmutableDictionary(d => d.Id);

    public static string HelpLink(string id) => HelpLinkBase + id + ".md";
}
