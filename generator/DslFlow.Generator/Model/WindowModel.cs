namespace DslFlow.Generator.Model;

/// <summary>A keyed <c>[Window]</c> node: its assigner's lengths, lateness, time domain and the methods it calls.</summary>
/// <param name="SizeMs">Tumbling and sliding windows' length (0 for sessions).</param>
/// <param name="SlideMs">Sliding windows' step (0: tumbling or sessions).</param>
/// <param name="GapMs">Sessions' gap (0 otherwise).</param>
/// <param name="AllowedLatenessMs">Event-time lateness.</param>
/// <param name="ProcessingTime">Windows by the job's clock.</param>
/// <param name="ResultMethod"><c>static TOut R(TKey, TimeWindow, TAcc)</c>.</param>
/// <param name="MergeMethod"><c>static TAcc M(TAcc, TAcc)</c>, sessions only.</param>
/// <param name="TimestampMethod"><c>static long T(TIn)</c>; null in processing time.</param>
/// <param name="Accumulator">The accumulator type.</param>
internal sealed record WindowModel(long SizeMs, long SlideMs, long GapMs, long AllowedLatenessMs, bool ProcessingTime,
    string ResultMethod, string? MergeMethod, string? TimestampMethod, TypeRef Accumulator)
{
    /// <summary>The name of the window node's synthesized map state (<c>Node.windows</c> in checkpoints).</summary>
    public const string StateName = "windows";
}
