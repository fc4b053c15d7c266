namespace DslFlow;

/// <summary>Which clock a timer follows (Flink's <c>TimeDomain</c>).</summary>
public enum TimeDomain
{
    /// <summary>The input watermark: the timer fires once event time reached it.</summary>
    EventTime,

    /// <summary>The job's <see cref="TimeProvider"/>: the timer fires once the clock reached it.</summary>
    ProcessingTime,
}
