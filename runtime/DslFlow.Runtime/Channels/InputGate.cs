using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace DslFlow.Channels;

/// <summary>
/// The input of one subtask: its channels (one per upstream subtask, over every upstream node), the floating
/// credits they share, and the per-channel blocking used by barrier alignment. Only the owning task takes from it.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class InputGate<T>
{
    private readonly InputChannel<T>[] _channels;
    private int _floatingAvailable;
    private volatile int _priorityCount;
    private int _next;
    private int _endedChannels;

    /// <summary>Creates a gate with its channels.</summary>
    public InputGate(int channelCount, int exclusiveCredits, int floatingCredits, int bufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(exclusiveCredits, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(floatingCredits);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 1);
        _floatingAvailable = floatingCredits;
        _channels = new InputChannel<T>[channelCount];
        for (int i = 0; i < channelCount; i++)
        {
            _channels[i] = new InputChannel<T>(this, i, exclusiveCredits, bufferSize);
        }
    }

    internal object Lock { get; } = new();

    internal IWakeable? Receiver { get; set; }

    /// <summary>The gate's channels, by index.</summary>
    public IReadOnlyList<InputChannel<T>> Channels => _channels;

    /// <summary>True when a priority event waits on any channel (read without locking, once per record).</summary>
    public bool HasPriorityEvents
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _priorityCount > 0;
    }

    /// <summary>True when every channel delivered <see cref="EndOfInput"/>.</summary>
    public bool IsFinished
    {
        get
        {
            lock (Lock)
            {
                return _endedChannels == _channels.Length;
            }
        }
    }

    /// <summary>Buffers queued over all channels, read at one instant.</summary>
    public int InFlightBuffers
    {
        get
        {
            lock (Lock)
            {
                return _channels.Sum(c => c.InFlightBuffers);
            }
        }
    }

    /// <summary>Floating credits not lent to any channel.</summary>
    public int FloatingCreditsAvailable
    {
        get
        {
            lock (Lock)
            {
                return _floatingAvailable;
            }
        }
    }

    /// <summary>
    /// Takes the next buffer or event from an unblocked channel without a pending priority event, visiting channels
    /// round-robin so no channel starves. Taking a buffer returns its credit to the sender. While restored channel
    /// state waits anywhere, only restored buffers are taken (from blocked channels too): every replayed record is
    /// processed before any record sent since the restore, so records of one key keep their order even when a rescale
    /// moved them to another channel.
    /// </summary>
    public bool TryTake(out ChannelEntry<T> entry, out int channelIndex)
    {
        lock (Lock)
        {
            int n = _channels.Length;
            // Restored buffers go first, from every channel that has some, blocked or not: they precede every barrier
            // and every record sent in this run, so taking them is always safe, and taking anything else first could
            // let a new record overtake a replayed one of the same key that was restored into another channel.
            bool replaying = _recoveredBuffers > 0;
            for (int k = 0; k < n; k++)
            {
                int i = _next + k;
                if (i >= n)
                {
                    i -= n;
                }
                InputChannel<T> channel = _channels[i];
                // A channel with a priority event waiting gives nothing until it is taken: a buffer sent after the
                // event must not be processed before it (an unaligned barrier's snapshot would then include it).
                if (channel.HasQueued && !channel.HasPriority && (replaying ? channel.HasRecovered : !channel.Blocked))
                {
                    if (channel.HasRecovered)
                    {
                        _recoveredBuffers--;
                    }
                    entry = channel.Dequeue();
                    if (entry.Event is EndOfInput && !channel.Ended)
                    {
                        channel.Ended = true;
                        _endedChannels++;
                    }
                    _next = i + 1 == n ? 0 : i + 1;
                    channelIndex = i;
                    return true;
                }
            }
        }
        entry = default;
        channelIndex = -1;
        return false;
    }

    /// <summary>Buffers and records queued at the gate now, counted against credit (buffer debloating sizes buffers by them).</summary>
    internal (int Buffers, long Records) QueuedData()
    {
        int buffers = 0;
        long records = 0;
        lock (Lock)
        {
            foreach (InputChannel<T> channel in _channels)
            {
                channel.CountQueued(ref buffers, ref records);
            }
        }
        return (buffers, records);
    }

    /// <summary>Announces a new buffer size to every sender of the gate; each applies it from its next buffer on.</summary>
    internal void AnnounceBufferSize(int size)
    {
        foreach (InputChannel<T> channel in _channels)
        {
            channel.BufferSize = size;
        }
    }

    /// <summary>Takes the oldest priority event of any channel, blocked or not.</summary>
    public bool TryTakePriority(out ChannelEntry<T> entry, out int channelIndex)
    {
        lock (Lock)
        {
            foreach (InputChannel<T> channel in _channels)
            {
                if (channel.HasPriority)
                {
                    entry = channel.DequeuePriority();
                    _priorityCount--;
                    channelIndex = channel.Index;
                    return true;
                }
            }
        }
        entry = default;
        channelIndex = -1;
        return false;
    }

    /// <summary>
    /// Stops taking from a channel: it keeps its queued buffers, grants no more credit, and its sender stops once
    /// its credits are used. Other channels keep flowing.
    /// </summary>
    public void Block(int channelIndex)
    {
        lock (Lock)
        {
            Channel(channelIndex).Blocked = true;
        }
    }

    /// <summary>Resumes taking from a blocked channel.</summary>
    public void Unblock(int channelIndex)
    {
        lock (Lock)
        {
            InputChannel<T> channel = Channel(channelIndex);
            channel.Blocked = false;
            channel.AdmitBacklog(); // it may borrow floating credits again
        }
        Receiver?.Wake();
    }

    /// <summary>True when the channel is blocked.</summary>
    public bool IsBlocked(int channelIndex)
    {
        lock (Lock)
        {
            return Channel(channelIndex).Blocked;
        }
    }

    /// <summary>
    /// Lists, without consuming them, copies of the buffers of a channel (queued or in its sender's backlog) whose
    /// sequence number is below <paramref name="beforeSequence"/> — the buffers a priority event overtook.
    /// </summary>
    public IReadOnlyList<QueuedBuffer<T>> ListQueuedBuffers(int channelIndex, long beforeSequence = long.MaxValue)
    {
        var result = new List<QueuedBuffer<T>>();
        lock (Lock)
        {
            Channel(channelIndex).CollectQueued(beforeSequence, result);
        }
        return result;
    }

    /// <summary>
    /// Told (on the sender's thread) when the first barrier of a checkpoint is queued in order on any channel — Flink's
    /// barrier announcement: the aligned timeout watches it, so a barrier stuck behind buffers can be promoted.
    /// </summary>
    internal Action<Checkpointing.CheckpointBarrier>? BarrierQueued { get; set; }

    private long _announcedBarrier = -1; // guarded by Lock

    /// <summary>True the first time a barrier of its checkpoint is queued here (announced once per checkpoint). Caller holds the lock.</summary>
    internal bool Announce(Checkpointing.CheckpointBarrier barrier)
    {
        // Only a barrier with a deadline is worth watching: an overtaking one kept in order on a forward channel has none,
        // and must not use up the announcement of its checkpoint's barriers still queued on the other channels.
        if (BarrierQueued is null || barrier.AlignedDeadline is null || barrier.CheckpointId <= _announcedBarrier)
        {
            return false;
        }
        _announcedBarrier = barrier.CheckpointId;
        return true;
    }

    /// <summary>The newest checkpoint whose barriers this gate turns into priority events (aligned timeout; older ones too), or -1.</summary>
    internal long PromotedBarrier { get; private set; } = -1;

    /// <summary>
    /// The aligned-checkpoint timeout fired: barrier <paramref name="checkpointId"/> becomes a priority event on every
    /// channel — those queued (or waiting in a sender's backlog) move ahead of the buffers before them, and those sent
    /// later skip the queue.
    /// </summary>
    internal void PromoteBarriers(long checkpointId)
    {
        lock (Lock)
        {
            PromotedBarrier = Math.Max(PromotedBarrier, checkpointId); // a switch of an older checkpoint must not un-promote a newer one
            foreach (InputChannel<T> channel in _channels)
            {
                channel.PromoteBarrier(checkpointId);
            }
        }
        Receiver?.WakeForPriority();
    }

    /// <summary>Restores channel state: <paramref name="records"/> are taken from the channel before anything sent to it.</summary>
    internal void EnqueueRecovered(int channelIndex, T[] records, int count)
    {
        Channel(channelIndex).EnqueueRecovered(records, count);
        lock (Lock)
        {
            _recoveredBuffers++;
        }
    }

    private int _recoveredBuffers; // restored buffers not yet taken; guarded by Lock

    /// <summary>Returns a processed buffer to the pool (arrays the pool could not have handed out are left to the GC).</summary>
    public static void Recycle(T[] records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Length >= 16 && BitOperations.IsPow2(records.Length))
        {
            ArrayPool<T>.Shared.Return(records, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }
    }

    private InputChannel<T> Channel(int index) =>
        (uint)index < (uint)_channels.Length ? _channels[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"The gate has channels 0 to {_channels.Length - 1}.");

    internal void PriorityAdded() => _priorityCount++;

    internal bool TryBorrowFloatingCredit()
    {
        if (_floatingAvailable == 0)
        {
            return false;
        }
        _floatingAvailable--;
        return true;
    }

    /// <summary>A channel gave back a floating credit: let channels waiting in backlog use it. Caller holds the lock.</summary>
    internal void ReturnFloatingCredit()
    {
        _floatingAvailable++;
        foreach (InputChannel<T> channel in _channels)
        {
            if (_floatingAvailable == 0)
            {
                break;
            }
            if (channel.HasBacklog)
            {
                channel.AdmitBacklog();
            }
        }
    }
}
