using DslFlow.Channels;

namespace DslFlow.Time;

/// <summary>
/// Says that event time has reached <see cref="Timestamp"/> on a channel: no record with a timestamp at or before it
/// should follow (those that do are late). Travels in order with the records — never overtaking them, never part of
/// channel state: after a recovery the sources generate watermarks anew (Flink does the same).
/// </summary>
/// <param name="timestamp">Event time in Unix milliseconds.</param>
public sealed class Watermark(long timestamp) : ChannelEvent
{
    /// <summary>The watermark a channel sends at its end of input: every timer in event time may fire.</summary>
    public static readonly Watermark Max = new(long.MaxValue);

    /// <summary>Event time reached, in Unix milliseconds.</summary>
    public long Timestamp { get; } = timestamp;

    /// <inheritdoc />
    public override string ToString() => Timestamp == long.MaxValue ? "Watermark(max)" : $"Watermark({Timestamp})";
}

/// <summary>
/// Says that a channel went idle (its sender has nothing to say about event time for a while: an idle source split) or
/// active again. An idle channel does not hold back its receiver's watermark (Flink's <c>WatermarkStatus</c>).
/// </summary>
public sealed class WatermarkStatus : ChannelEvent
{
    /// <summary>The channel's sender is idle.</summary>
    public static readonly WatermarkStatus Idle = new(idle: true);

    /// <summary>The channel's sender is active again.</summary>
    public static readonly WatermarkStatus Active = new(idle: false);

    private WatermarkStatus(bool idle) => IsIdle = idle;

    /// <summary>True for <see cref="Idle"/>.</summary>
    public bool IsIdle { get; }

    /// <inheritdoc />
    public override string ToString() => IsIdle ? "WatermarkStatus(idle)" : "WatermarkStatus(active)";
}
