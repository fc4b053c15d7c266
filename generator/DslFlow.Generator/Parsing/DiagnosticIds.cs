namespace DslFlow.Generator.Parsing;

/// <summary>
/// The ids of the problems the parser finds, shared with the analyzers' <c>DiagnosticDescriptors</c> (checkpoint
/// configuration ids, DSLF1xxx, come from the runtime's shared <c>CheckpointRules</c>). Numbered by area: 0xxx internal
/// errors of DslFlow itself, 2xxx wiring and method shapes, 3xxx state and keys, 4xxx sources and sinks, 5xxx time
/// (watermarks and timers).
/// </summary>
internal static class DiagnosticIds
{
    /// <summary>
    /// Code the compiler already rejects (a missing name, an unknown type): nothing is generated, so no error can
    /// appear in generated code, and the analyzers report nothing on top of the compiler's error.
    /// </summary>
    public const string CompilerReported = "";

    /// <summary>
    /// The default location of each rule's page, <c>{HelpLinkBase}{id}.md</c>: the repository's published docs (one
    /// constant for the generator's and the analyzers' descriptors).
    /// </summary>
    public const string HelpLinkBase = "https://github.com/dslflow/dslflow/blob/main/docs/diagnostics/";

    /// <summary>The generator's emitter threw on a valid pipeline (reported by the generator, not the analyzers).</summary>
    public const string GeneratorFailed = "DSLF0001";

    public const string UnalignedRequiresExactlyOnce = "DSLF1001";
    public const string AlignedTimeoutRequiresUnaligned = "DSLF1002";
    public const string UnalignedRequiresOneConcurrent = "DSLF1003";
    public const string CheckpointValueOutOfRange = "DSLF1004";

    public const string AnalysisFailed = "DSLF2000";
    public const string PipelineNotPartial = "DSLF2001";
    public const string InvalidPipelineType = "DSLF2002";
    public const string NoSource = "DSLF2003";
    public const string UnknownUpstream = "DSLF2004";
    public const string UpstreamTypeMismatch = "DSLF2005";
    public const string Cycle = "DSLF2006";
    public const string NodeWithoutUpstream = "DSLF2007";
    public const string NodeNothingReads = "DSLF2008";
    public const string DuplicateNodeName = "DSLF2009";
    public const string InvalidParallelism = "DSLF2010";
    public const string UnsupportedMethodShape = "DSLF2011";
    public const string InvalidNodeSignature = "DSLF2012";

    public const string KeyedStateWithoutKeyBy = "DSLF3001";
    public const string InvalidKeySelector = "DSLF3002";
    public const string KeyWithoutStableHash = "DSLF3003";
    public const string StaticFieldWrittenByNode = "DSLF3004";
    /// <summary>A state type, or under unaligned checkpoints a record type in flight between tasks, cannot be serialized.</summary>
    public const string StateNotSerializable = "DSLF3005";

    public const string SinkNotTransactional = "DSLF4001";
    /// <summary>A file sink compacts its parts in a pipeline that declares no checkpointing (compaction runs at checkpoints).</summary>
    public const string CompactionWithoutCheckpointing = "DSLF4002";
    /// <summary>A <c>FileCompaction</c> setting is out of range.</summary>
    public const string InvalidCompactionSetting = "DSLF4003";

    /// <summary>A <c>TimerService</c> parameter or an <c>[OnTimer]</c> handler on a node that is not a keyed [Process] node.</summary>
    public const string TimerOnNonKeyedNode = "DSLF5001";
    /// <summary>An <c>[OnTimer]</c> handler that does not fit its node (or a node with timers and no handler).</summary>
    public const string InvalidOnTimer = "DSLF5002";
    /// <summary>Event-time timers in a node no source with <c>[Watermarks]</c> feeds: they fire only at the end of input.</summary>
    public const string EventTimersWithoutWatermarks = "DSLF5003";
    /// <summary>A <c>[Watermarks]</c> duration out of range, or the attribute off a source (id shared with the runtime's <c>WatermarkRules</c>).</summary>
    public const string InvalidWatermarkSetting = DslFlow.Time.WatermarkRules.InvalidWatermarkSetting;
    /// <summary>The timestamp assigner named by <c>[Watermarks]</c> is missing or has the wrong shape.</summary>
    public const string InvalidTimestampAssigner = "DSLF5005";

    /// <summary>A [Window] node's method, result, merge or timestamp method does not fit, or it has no key.</summary>
    public const string InvalidWindow = "DSLF5006";

    /// <summary>A [Window] node's size, slide, gap or lateness is out of range, or its lengths contradict each other.</summary>
    public const string InvalidWindowSetting = "DSLF5007";

    /// <summary>A sliding window slides further than it is long: records in between belong to no window.</summary>
    public const string WindowSlideBeyondSize = "DSLF5008";

    /// <summary>A window node's late-records output that no node reads (info).</summary>
    public const string LateRecordsUnread = "DSLF5009";
}
