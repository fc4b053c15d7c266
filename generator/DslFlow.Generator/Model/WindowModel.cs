namespace DslFlow.Generator.Model;

/// <summary>A keyed <c>[Window]</c> node: its assigner's lengths, lateness, time domain and the methods it calls.</summary>
/// <param name="SizeMs">Tumbling and sliding windows' length (0 for sessions).</param>
/// <param name="SlideMs">Sliding windows' step (0: tumbling or sessions).</param>
/// <param name="GapMs">Sessions' gap (0 otherwise).</param>
/// <param name="AllowedLatenessMs">Event-time lateness.</param>
/// <param name="ProcessingTime">Windows by the job's clock.</param>
/// <param name="ResultMethod">
/// An aggregate's <c>static TOut R(TKey, TimeWindow, TAcc)</c>; a full-window function's own method (the node's).
/// </param>
/// <param name="MergeMethod"><c>static TAcc M(TAcc, TAcc)</c>, sessions only.</param>
/// <param name="TimestampMethod"><c>static long T(TIn)</c>; null in processing time.</param>
/// <param name="Accumulator">The accumulator type (a full-window function's: <c>List&lt;TIn&gt;</c>).</param>
/// <param name="Function">How the node's method computes a window's results.</param>
/// <param name="LateRecords">The name of the late-records output node, or null when late records are dropped and counted.</param>
internal sealed record WindowModel(long SizeMs, long SlideMs, long GapMs, long AllowedLatenessMs, bool ProcessingTime,
    string ResultMethod, string? MergeMethod, string? TimestampMethod, TypeRef Accumulator, WindowFunction Function,
    string? LateRecords)
{
    /// <summary>The name of the window node's synthesized map state (<c>Node.windows</c> in checkpoints).</summary>
    public const string StateName = "windows";
}

/// <summary>The two forms of a <c>[Window]</c> method.</summary>
internal enum WindowFunction
{
    /// <summary><c>static TAcc M(TIn, TAcc)</c> with a result method: one accumulator per key and window.</summary>
    Aggregate,

    /// <summary><c>static TOut M(TKey, TimeWindow, IReadOnlyList&lt;TIn&gt;)</c>: one result per fired window.</summary>
    ElementsReturning,

    /// <summary><c>static void M(TKey, TimeWindow, IReadOnlyList&lt;TIn&gt;, Collector&lt;TOut&gt;)</c>: any number of results.</summary>
    ElementsCollecting,
}
