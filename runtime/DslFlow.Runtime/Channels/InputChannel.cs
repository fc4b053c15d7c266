using System.Buffers;

namespace DslFlow.Channels;

/// <summary>
/// One upstream subtask → one downstream subtask. The channel owns the queue of buffers and events between
/// them, so the runtime can inspect it (for unaligned checkpoints), let events overtake it, and bound it with
/// credits: the sender's buffers enter the receiver's queue only while the receiver has granted credit
/// (exclusive credits of this channel, then floating credits of its gate). Buffers without credit wait in the
/// sender's backlog, in order, and the sender pauses until the backlog drains.
/// All state is guarded by the gate's lock: one receiver, and senders that touch it once per buffer.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class InputChannel<T>
{
    private readonly InputGate<T> _gate;
    private readonly Queue<ChannelEntry<T>> _queue = new();
    private readonly Queue<ChannelEntry<T>> _backlog = new();
    private readonly Queue<ChannelEntry<T>> _priority = new();
    private readonly Queue<ChannelEntry<T>> _recovered = new(); // channel state of a restored unaligned checkpoint
    private readonly int _exclusiveCredits;
    private long _nextSequence;
    private long _recoveredSequence = long.MinValue / 2; // below every sequence a sender assigns
    private int _exclusiveUsed;
    private int _floatingUsed;
    private volatile int _bufferSize;
    private volatile bool _hasBacklog;

    internal InputChannel(InputGate<T> gate, int index, int exclusiveCredits, int bufferSize)
    {
        _gate = gate;
        Index = index;
        _exclusiveCredits = exclusiveCredits;
        _bufferSize = bufferSize;
    }

    /// <summary>The channel's index in its gate.</summary>
    public int Index { get; }

    /// <summary>
    /// Records per buffer. May change at any time (buffer debloating); the sender applies a new size from its next
    /// buffer on, so nothing is lost or reordered.
    /// </summary>
    public int BufferSize
    {
        get => _bufferSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(BufferSize));
            _bufferSize = value;
        }
    }

    /// <summary>True while the sender has buffers waiting for credit; the sender should pause.</summary>
    public bool HasBacklog => _hasBacklog;

    /// <summary>Buffers in the receiver's queue (never more than the credits granted).</summary>
    public int InFlightBuffers
    {
        get
        {
            lock (_gate.Lock)
            {
                return _exclusiveUsed + _floatingUsed;
            }
        }
    }

    /// <summary>Buffers in the sender's backlog, waiting for credit.</summary>
    public int BacklogBuffers
    {
        get
        {
            lock (_gate.Lock)
            {
                return _backlog.Count(e => e.IsBuffer);
            }
        }
    }

    /// <summary>The next sequence number this channel will assign.</summary>
    public long NextSequence
    {
        get
        {
            lock (_gate.Lock)
            {
                return _nextSequence;
            }
        }
    }

    internal IWakeable? Sender { get; set; }

    internal bool Blocked { get; set; }

    /// <summary>
    /// True for a forward or broadcast channel under unaligned checkpoints: barriers on it stay in order, never
    /// overtaking buffers (see <see cref="Checkpointing.WaitingForAlignedChannels"/>). Set before the job starts.
    /// </summary>
    internal bool StaysAligned { get; set; }

    /// <summary>True once the receiver took the channel's end of input (set and read on the receiver's thread).</summary>
    internal bool Ended { get; set; }

    /// <summary>
    /// <see cref="Ended"/>, read from the sender's thread: every record the sender sent was processed, so a task whose
    /// input ended owes this channel no more barriers.
    /// </summary>
    internal bool EndTaken
    {
        get
        {
            lock (_gate.Lock)
            {
                return Ended;
            }
        }
    }

    internal bool HasQueued => _recovered.Count > 0 || _queue.Count > 0;

    /// <summary>True while restored channel state waits to be replayed.</summary>
    internal bool HasRecovered => _recovered.Count > 0;

    internal bool HasPriority => _priority.Count > 0;

    /// <summary>Rents an array for the sender's next buffer; <paramref name="limit"/> is the current buffer size.</summary>
    public T[] RentBuffer(out int limit)
    {
        limit = _bufferSize;
        return ArrayPool<T>.Shared.Rent(limit);
    }

    /// <summary>
    /// Sends a buffer of <paramref name="count"/> records. Returns false when it had to wait in the backlog for
    /// credit: the sender must then stop producing until it is woken.
    /// </summary>
    public bool Send(T[] records, int count)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, records.Length);
        lock (_gate.Lock)
        {
            _backlog.Enqueue(new ChannelEntry<T>(_nextSequence++, records, count));
            AdmitBacklog();
            return !_hasBacklog;
        }
    }

    /// <summary>
    /// Sends a control event in order with the buffers (it needs no credit) — except a barrier of a checkpoint the
    /// receiver switched to unaligned, which overtakes them (see <see cref="InputGate{T}.PromoteBarriers"/>).
    /// </summary>
    public void SendEvent(ChannelEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        IWakeable? priorityReceiver = null;
        Checkpointing.CheckpointBarrier? announced = null;
        lock (_gate.Lock)
        {
            if (@event is Checkpointing.CheckpointBarrier barrier && barrier.CheckpointId <= _gate.PromotedBarrier && !StaysAligned)
            {
                _priority.Enqueue(new ChannelEntry<T>(_nextSequence++, barrier.AsUnaligned()));
                _gate.PriorityAdded();
                priorityReceiver = _gate.Receiver;
            }
            else
            {
                _backlog.Enqueue(new ChannelEntry<T>(_nextSequence++, @event));
                AdmitBacklog();
                announced = @event is Checkpointing.CheckpointBarrier queued && _gate.Announce(queued) ? queued : null;
            }
        }
        priorityReceiver?.WakeForPriority();
        if (announced is not null)
        {
            _gate.BarrierQueued?.Invoke(announced);
        }
    }

    /// <summary>
    /// Sends a control event that overtakes every buffer already sent; the receiver sees it before them, between
    /// two records. Returns the event's sequence number: the buffers it overtook are those with smaller numbers. On a
    /// channel that <see cref="StaysAligned"/>, a barrier is sent in order instead (and -1 returned).
    /// </summary>
    public long SendPriorityEvent(ChannelEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (StaysAligned && @event is Checkpointing.CheckpointBarrier)
        {
            SendEvent(@event); // forward and broadcast channels keep their barriers in order
            return -1;
        }
        if (@event is Checkpointing.CheckpointBarrier barrier)
        {
            @event = barrier.AsUnaligned(); // a barrier that overtakes is unaligned, whoever sent it
        }
        IWakeable? receiver;
        long sequence;
        lock (_gate.Lock)
        {
            sequence = _nextSequence++;
            _priority.Enqueue(new ChannelEntry<T>(sequence, @event));
            _gate.PriorityAdded();
            receiver = _gate.Receiver;
        }
        receiver?.WakeForPriority();
        return sequence;
    }

    /// <summary>
    /// Puts a buffer of restored channel state before everything the sender will send: the receiver takes recovered
    /// buffers first, in the order they were added, and they need no credit. Their sequence numbers lie below every
    /// number a sender assigns, so they count as sent before anything else, whenever they are added.
    /// </summary>
    internal void EnqueueRecovered(T[] records, int count)
    {
        lock (_gate.Lock)
        {
            _recovered.Enqueue(new ChannelEntry<T>(_recoveredSequence++, records, count));
        }
    }

    /// <summary>Copies of the buffers recovered, queued or waiting in the backlog with a sequence number below the bound.</summary>
    internal void CollectQueued(long beforeSequence, List<QueuedBuffer<T>> into)
    {
        foreach (ChannelEntry<T> e in _recovered.Concat(_queue).Concat(_backlog))
        {
            if (e.IsBuffer && e.Sequence < beforeSequence)
            {
                into.Add(new QueuedBuffer<T>(e.Sequence, e.Records.AsSpan(0, e.Count).ToArray()));
            }
        }
    }

    /// <summary>
    /// Adds the buffers and records queued for the receiver: restored ones and those holding credit (not the sender's
    /// backlog). Caller holds the gate lock.
    /// </summary>
    internal void CountQueued(ref int buffers, ref long records)
    {
        foreach (ChannelEntry<T> e in _recovered.Concat(_queue))
        {
            if (e.IsBuffer)
            {
                buffers++;
                records += e.Count;
            }
        }
    }

    internal ChannelEntry<T> Dequeue()
    {
        if (_recovered.Count > 0)
        {
            return _recovered.Dequeue(); // recovered buffers hold no credit
        }
        ChannelEntry<T> entry = _queue.Dequeue();
        if (entry.IsBuffer)
        {
            if (_floatingUsed > 0)
            {
                _floatingUsed--;
                _gate.ReturnFloatingCredit();
            }
            else
            {
                _exclusiveUsed--;
            }
            AdmitBacklog();
        }
        return entry;
    }

    internal ChannelEntry<T> DequeuePriority() => _priority.Dequeue();

    /// <summary>Moves a queued barrier of <paramref name="checkpointId"/> to the priority queue, keeping its sequence number. Caller holds the gate lock.</summary>
    internal void PromoteBarrier(long checkpointId)
    {
        if (StaysAligned)
        {
            return;
        }
        foreach (Queue<ChannelEntry<T>> queue in new[] { _queue, _backlog })
        {
            ChannelEntry<T>[] entries = queue.ToArray();
            int found = Array.FindIndex(entries, e => e.Event is Checkpointing.CheckpointBarrier b && b.CheckpointId == checkpointId);
            if (found < 0)
            {
                continue;
            }
            queue.Clear();
            for (int i = 0; i < entries.Length; i++)
            {
                if (i != found)
                {
                    queue.Enqueue(entries[i]);
                }
            }
            var promoted = (Checkpointing.CheckpointBarrier)entries[found].Event!;
            _priority.Enqueue(new ChannelEntry<T>(entries[found].Sequence, promoted.AsUnaligned()));
            _gate.PriorityAdded();
            AdmitBacklog();
            return;
        }
    }

    /// <summary>Moves backlog entries into the receiver's queue while credit allows. Caller holds the gate lock.</summary>
    internal void AdmitBacklog()
    {
        bool admitted = false;
        while (_backlog.Count > 0)
        {
            ChannelEntry<T> head = _backlog.Peek();
            if (head.IsBuffer)
            {
                if (_exclusiveUsed < _exclusiveCredits)
                {
                    _exclusiveUsed++;
                }
                else if (!Blocked && _gate.TryBorrowFloatingCredit())
                {
                    _floatingUsed++;
                }
                else
                {
                    break;
                }
            }
            _queue.Enqueue(_backlog.Dequeue());
            admitted = true;
        }
        bool hadBacklog = _hasBacklog;
        _hasBacklog = _backlog.Count > 0;
        if (admitted)
        {
            _gate.Receiver?.Wake();
        }
        if (hadBacklog && !_hasBacklog)
        {
            Sender?.Wake();
        }
    }
}
