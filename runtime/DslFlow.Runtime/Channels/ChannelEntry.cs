namespace DslFlow.Channels;

/// <summary>One element of a channel: a buffer of records or a control event, with its sequence number.</summary>
/// <typeparam name="T">The record type.</typeparam>
public readonly struct ChannelEntry<T>
{
    internal ChannelEntry(long sequence, T[] records, int count)
    {
        Sequence = sequence;
        Records = records;
        Count = count;
        Event = null;
    }

    internal ChannelEntry(long sequence, ChannelEvent @event)
    {
        Sequence = sequence;
        Records = null;
        Count = 0;
        Event = @event;
    }

    /// <summary>Position in the channel: every buffer and event gets the next number, from 0.</summary>
    public long Sequence { get; }

    /// <summary>The buffer's records (the first <see cref="Count"/> are valid), or null for an event.</summary>
    public T[]? Records { get; }

    /// <summary>Number of records in the buffer.</summary>
    public int Count { get; }

    /// <summary>The event, or null for a buffer.</summary>
    public ChannelEvent? Event { get; }

    /// <summary>True for a buffer of records.</summary>
    public bool IsBuffer => Records is not null;
}

/// <summary>A buffer still queued in a channel, listed without consuming it.</summary>
/// <typeparam name="T">The record type.</typeparam>
/// <param name="Sequence">The buffer's sequence number in its channel.</param>
/// <param name="Records">A copy of the buffer's records.</param>
public sealed record QueuedBuffer<T>(long Sequence, T[] Records);
