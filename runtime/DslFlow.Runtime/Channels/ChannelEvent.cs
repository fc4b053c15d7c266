namespace DslFlow.Channels;

/// <summary>
/// A control event that travels through a channel between buffers (end of input; later checkpoint barriers and
/// cancel markers). Events need no credit. Sent with <see cref="InputChannel{T}.SendPriorityEvent"/>, an event
/// overtakes the buffers queued before it.
/// </summary>
public abstract class ChannelEvent
{
}

/// <summary>The sender will send nothing more on this channel.</summary>
public sealed class EndOfInput : ChannelEvent
{
    /// <summary>The single instance.</summary>
    public static readonly EndOfInput Instance = new();

    private EndOfInput()
    {
    }

    /// <inheritdoc />
    public override string ToString() => "EndOfInput";
}
