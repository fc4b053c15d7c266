using System.Runtime.CompilerServices;
using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>
/// Fills one buffer per downstream channel and sends it when full. A channel without credit keeps the buffer in
/// its sender backlog and the writer asks its task to pause after the current record, so the task waits for
/// credit only between records.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public abstract class RecordWriter<T> : IOutput
{
    private readonly StreamTask _owner;
    private readonly InputChannel<T>[] _channels;
    private readonly T[]?[] _buffers;
    private readonly int[] _counts;
    private readonly int[] _limits;
    private long _recordsOut;

    private protected RecordWriter(StreamTask owner, InputChannel<T>[] channels)
    {
        _owner = owner;
        _channels = channels;
        _buffers = new T[channels.Length][];
        _counts = new int[channels.Length];
        _limits = new int[channels.Length];
        foreach (InputChannel<T> channel in channels)
        {
            channel.Sender = owner;
        }
    }

    /// <summary>Number of downstream channels.</summary>
    protected int ChannelCount => _channels.Length;

    /// <inheritdoc />
    public long RecordsOut => Volatile.Read(ref _recordsOut);

    /// <inheritdoc />
    bool IOutput.IsSink => false;

    /// <inheritdoc />
    bool IOutput.IsDrained
    {
        get
        {
            foreach (InputChannel<T> channel in _channels)
            {
                if (!channel.EndTaken)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <inheritdoc />
    bool IOutput.IsBlocked
    {
        get
        {
            foreach (InputChannel<T> channel in _channels)
            {
                if (channel.HasBacklog)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Appends a record to a channel's current buffer, sending the buffer when it is full.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected void Append(int channel, T record)
    {
        T[]? buffer = _buffers[channel] ?? Rent(channel);
        int count = _counts[channel];
        buffer[count++] = record;
        if (count >= _limits[channel])
        {
            Send(channel, count);
        }
        else
        {
            _counts[channel] = count;
        }
    }

    /// <inheritdoc />
    public void FlushPartial()
    {
        for (int i = 0; i < _channels.Length; i++)
        {
            if (_counts[i] > 0)
            {
                Send(i, _counts[i]);
            }
        }
    }

    /// <inheritdoc />
    public void Broadcast(ChannelEvent @event)
    {
        FlushPartial();
        foreach (InputChannel<T> channel in _channels)
        {
            channel.SendEvent(@event);
        }
    }

    /// <inheritdoc />
    public void BroadcastPriority(ChannelEvent @event)
    {
        FlushPartial(); // records emitted before the event go first; the receiver persists those it overtakes
        foreach (InputChannel<T> channel in _channels)
        {
            channel.SendPriorityEvent(@event);
        }
    }

    /// <inheritdoc />
    public void Finish() => Broadcast(EndOfInput.Instance);

    /// <inheritdoc />
    void IOutput.NotifyCheckpointComplete(long checkpointId)
    {
    }

    /// <inheritdoc />
    void IOutput.NotifyCheckpointAborted(long checkpointId)
    {
    }

    /// <inheritdoc />
    public void Release()
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            if (_buffers[i] is { } buffer)
            {
                InputGate<T>.Recycle(buffer);
                _buffers[i] = null;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private T[] Rent(int channel)
    {
        T[] buffer = _channels[channel].RentBuffer(out int limit);
        _buffers[channel] = buffer;
        _limits[channel] = limit;
        _counts[channel] = 0;
        return buffer;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Send(int channel, int count)
    {
        T[] buffer = _buffers[channel]!;
        _buffers[channel] = null;
        _counts[channel] = 0;
        _recordsOut += count;
        if (!_channels[channel].Send(buffer, count))
        {
            _owner.RequestInterrupt();
        }
    }
}

/// <summary>Forward (subtask i to subtask i) when there is one channel, otherwise round-robin per record.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class ChannelWriter<T> : RecordWriter<T>
{
    private int _next;

    internal ChannelWriter(StreamTask owner, InputChannel<T>[] channels)
        : base(owner, channels)
    {
    }

    /// <summary>Sends one record downstream.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Emit(T record)
    {
        int channel = _next;
        if (++_next == ChannelCount)
        {
            _next = 0;
        }
        Append(channel, record);
    }
}

/// <summary>Routes each record to the subtask that owns its key group.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class KeyGroupWriter<T> : RecordWriter<T>
{
    private readonly int[] _channelOfKeyGroup;

    internal KeyGroupWriter(StreamTask owner, InputChannel<T>[] channels, int maxParallelism)
        : base(owner, channels)
    {
        _channelOfKeyGroup = new int[maxParallelism];
        for (int g = 0; g < maxParallelism; g++)
        {
            _channelOfKeyGroup[g] = KeyGroups.SubtaskOf(g, channels.Length, maxParallelism);
        }
    }

    /// <summary>Sends one record to the subtask owning <paramref name="keyGroup"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Emit(T record, int keyGroup) => Append(_channelOfKeyGroup[keyGroup], record);
}

/// <summary>Sends every record to every downstream subtask.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class BroadcastWriter<T> : RecordWriter<T>
{
    internal BroadcastWriter(StreamTask owner, InputChannel<T>[] channels)
        : base(owner, channels)
    {
    }

    /// <summary>Sends one record to every channel.</summary>
    public void Emit(T record)
    {
        for (int i = 0; i < ChannelCount; i++)
        {
            Append(i, record);
        }
    }
}
