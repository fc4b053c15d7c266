namespace DslFlow;

/// <summary>
/// Marks a keyed window node (Flink's <c>keyBy(...).window(...)</c>). The method is one of two forms:
/// <list type="bullet">
/// <item>An incremental aggregate (Flink's <c>aggregate</c>): <c>static TAcc M(TIn record, TAcc accumulator)</c> adds one
/// record to a window's accumulator (which starts at its default value), and <see cref="Result"/> names
/// <c>static TOut R(TKey key, TimeWindow window, TAcc accumulator)</c>, what a fired window emits. One accumulator per
/// key and window, no element list.</item>
/// <item>A full-window function (Flink's <c>process</c>): <c>static TOut M(TKey key, TimeWindow window,
/// IReadOnlyList&lt;TIn&gt; elements)</c>, or <c>static void M(TKey key, TimeWindow window, IReadOnlyList&lt;TIn&gt;
/// elements, Collector&lt;TOut&gt; output)</c> to emit any number of results: it gets every record of the fired window
/// (kept in state until then), in arrival order (a merged session's sessions in time order). The list is the window's
/// state: copy it to keep or emit it.</item>
/// </list>
/// The kind follows from the lengths: <see cref="SizeMs"/> alone is tumbling, with <see cref="SlideMs"/> sliding,
/// <see cref="GapMs"/> alone sessions (an aggregate's need <see cref="Merge"/>). Windows are keyed state and timers, so
/// checkpoints, rescaling, the changelog and RocksDB cover them.
/// </summary>
/// <example>
/// <code>
/// [Window(nameof(Words), KeyBy = nameof(WordOf), SizeMs = 5_000, Result = nameof(Emit))]
/// public static long Count(string word, long count) => count + 1;
/// public static WordCount Emit(string word, TimeWindow window, long count) => new(word, window.Start, count);
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class WindowAttribute(params string[] from) : OperatorAttribute(from)
{
    /// <summary>The length of tumbling and sliding windows, in milliseconds.</summary>
    public long SizeMs { get; set; }

    /// <summary>How far sliding windows move, in milliseconds (unset: tumbling).</summary>
    public long SlideMs { get; set; }

    /// <summary>The inactivity that closes a session, in milliseconds (instead of a size).</summary>
    public long GapMs { get; set; }

    /// <summary>How long after it fired an event-time window still takes late records, firing again with each.</summary>
    public long AllowedLatenessMs { get; set; }

    /// <summary>Window by the job's clock (<see cref="PipelineOptions.TimeProvider"/>) instead of the records' event time.</summary>
    public bool ProcessingTime { get; set; }

    /// <summary>An aggregate's result method: <c>static TOut R(TKey key, TimeWindow window, TAcc accumulator)</c>.</summary>
    public string? Result { get; set; }

    /// <summary>An aggregate's session windows: <c>static TAcc M(TAcc a, TAcc b)</c>, combining the accumulators of sessions that merge.</summary>
    public string? Merge { get; set; }

    /// <summary>
    /// The record's event time, <c>static long T(TIn record)</c>; unset, the timestamp assigner of the nearest
    /// <c>[Watermarks]</c> upstream, when it takes this node's record type.
    /// </summary>
    public string? TimestampOf { get; set; }

    /// <summary>
    /// The name of the node's late-records output (Flink's <c>sideOutputLateData</c>): records later than the allowed
    /// lateness go there, typed as the node's input, instead of being dropped and counted. Other nodes read it by this
    /// name like a node's output, for example <c>[Sink("LateClicks")]</c>; event-time windows only.
    /// </summary>
    public string? LateRecords { get; set; }
}
