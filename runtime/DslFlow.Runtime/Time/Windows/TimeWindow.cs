namespace DslFlow;

/// <summary>
/// A window of time, <c>[Start, End)</c> in Unix milliseconds (Flink's <c>TimeWindow</c>): a record at time <c>t</c>
/// belongs to it when <c>Start ≤ t &lt; End</c>; it fires once the watermark (or the clock) reaches
/// <see cref="MaxTimestamp"/>.
/// </summary>
/// <param name="Start">The first millisecond in the window.</param>
/// <param name="End">The first millisecond after it.</param>
public readonly record struct TimeWindow(long Start, long End)
{
    /// <summary>The last millisecond in the window, <c>End − 1</c>: the time it fires at.</summary>
    public long MaxTimestamp => End - 1;

    /// <summary>Whether the two windows overlap or touch (session windows that do merge, as in Flink).</summary>
    public bool Intersects(TimeWindow other) => Start <= other.End && End >= other.Start;

    /// <summary>The smallest window covering both.</summary>
    public TimeWindow Cover(TimeWindow other) => new(Math.Min(Start, other.Start), Math.Max(End, other.End));

    /// <inheritdoc/>
    public override string ToString() => $"[{Start}, {End})";
}
