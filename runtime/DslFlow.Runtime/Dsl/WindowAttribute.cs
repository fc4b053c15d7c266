namespace DslFlow;

/// <summary>
/// Marks a keyed window node (Flink's <c>keyBy(...).window(...).aggregate(...)</c>): the method adds one record to a
/// window's accumulator, <c>static TAcc M(TIn record, TAcc accumulator)</c> (the accumulator starts at its default
/// value), and <see cref="Result"/> names <c>static TOut R(TKey key, TimeWindow window, TAcc accumulator)</c>, what a
/// fired window emits. The kind follows from the lengths: <see cref="SizeMs"/> alone is tumbling, with
/// <see cref="SlideMs"/> sliding, <see cref="GapMs"/> alone sessions (which need <see cref="Merge"/>). Windows are keyed
/// state and timers, so checkpoints, rescaling, the changelog and RocksDB cover them.
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

    /// <summary>The result method: <c>static TOut R(TKey key, TimeWindow window, TAcc accumulator)</c>.</summary>
    public string? Result { get; set; }

    /// <summary>Session windows: <c>static TAcc M(TAcc a, TAcc b)</c>, combining the accumulators of sessions that merge.</summary>
    public string? Merge { get; set; }

    /// <summary>
    /// The record's event time, <c>static long T(TIn record)</c>; unset, the timestamp assigner of the nearest
    /// <c>[Watermarks]</c> upstream, when it takes this node's record type.
    /// </summary>
    public string? TimestampOf { get; set; }
}
