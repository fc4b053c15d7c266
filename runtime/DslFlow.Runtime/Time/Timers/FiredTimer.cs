namespace DslFlow.Time.Timers;

/// <summary>A timer as a failure names it, in place of the record: <c>event-time timer at 1700000000000 for key "a"</c>.</summary>
internal sealed record FiredTimer(object? Key, long Time, TimeDomain Domain)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Domain == TimeDomain.EventTime ? "event-time" : "processing-time")} timer at {Time} for key {PipelineExecutionException.FormatRecord(Key)}";
}
