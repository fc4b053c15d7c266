using System.ComponentModel;

namespace DslFlow.Time.Timers;

/// <summary>
/// Runs a keyed node's <c>[OnTimer]</c> method for one fired timer, with the timer's key (and its stable hash, to select
/// the key's state) current.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void TimerCallback<in TKey>(TKey key, int keyHash, long time, TimeDomain domain);

/// <summary>
/// A keyed node's timers of both kinds over one subtask's key groups: the <see cref="TimerService"/> its method sees
/// (generated code sets the current key before each record), and what the task drives — <see cref="AdvanceWatermark"/>
/// when the input watermark moves, <see cref="FireProcessingTimers"/> when processing time reaches
/// <see cref="NextProcessingTime"/>. Each fired timer goes to the node's callback with its key current, so the node's
/// state is in scope. The two queues belong to the node's keyed state backend, which saves them with its state. Owned by
/// the task thread; created by generated code through the task.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class KeyedTimers<TKey> : TimerService, IKeyedTimers
    where TKey : notnull
{
    private readonly IKeyedTimerQueue<TKey> _eventTime;
    private readonly IKeyedTimerQueue<TKey> _processingTime;
    private readonly TimeProvider _time;
    private readonly TimerCallback<TKey> _onTimer;
    private TKey _key = default!;
    private int _hash;
    private bool _hasKey;
    private long _watermark = long.MinValue;

    /// <summary>Creates the timers of node <paramref name="node"/> over its backend's queues (named by <see cref="TimerQueueNames"/>).</summary>
    internal KeyedTimers(string node, IKeyedTimerQueue<TKey> eventTime, IKeyedTimerQueue<TKey> processingTime, TimeProvider time,
        TimerCallback<TKey> onTimer)
    {
        Node = node ?? throw new ArgumentNullException(nameof(node));
        _eventTime = eventTime ?? throw new ArgumentNullException(nameof(eventTime));
        _processingTime = processingTime ?? throw new ArgumentNullException(nameof(processingTime));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _onTimer = onTimer ?? throw new ArgumentNullException(nameof(onTimer));
    }

    /// <inheritdoc/>
    public string Node { get; }

    /// <inheritdoc/>
    public int Pending => _eventTime.Count + _processingTime.Count;

    /// <inheritdoc/>
    public long? NextProcessingTime => _processingTime.NextTime;

    /// <inheritdoc/>
    Action<long>? IKeyedTimers.ProcessingTimeRequested { set => _processingTimeRequested = value; }

    private Action<long>? _processingTimeRequested;

    /// <inheritdoc/>
    public override long CurrentWatermark => _watermark;

    /// <inheritdoc/>
    public override long CurrentProcessingTime => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Points the service at the record's key (generated code, before the node's method runs).</summary>
    public void SetCurrentKey(TKey key, int stableHash)
    {
        _key = key;
        _hash = stableHash;
        _hasKey = true;
    }

    /// <inheritdoc/>
    public override void RegisterEventTimeTimer(long time) => _eventTime.Register(CurrentKey(), _hash, time);

    /// <inheritdoc/>
    public override void DeleteEventTimeTimer(long time) => _eventTime.Delete(CurrentKey(), _hash, time);

    /// <inheritdoc/>
    public override void RegisterProcessingTimeTimer(long time)
    {
        long? before = _processingTime.NextTime;
        if (_processingTime.Register(CurrentKey(), _hash, time) && (before is null || time < before))
        {
            _processingTimeRequested?.Invoke(time);
        }
    }

    /// <inheritdoc/>
    public override void DeleteProcessingTimeTimer(long time) => _processingTime.Delete(CurrentKey(), _hash, time);

    /// <summary>
    /// The input watermark reached <paramref name="watermark"/>: fires every event-time timer at or before it, in time
    /// order, each with its key current (a timer it registers that is due fires in this call too); returns how many fired.
    /// </summary>
    public int AdvanceWatermark(long watermark)
    {
        if (watermark > _watermark)
        {
            _watermark = watermark;
        }
        return Fire(_eventTime, _watermark, TimeDomain.EventTime);
    }

    /// <summary>Fires every processing-time timer at or before <paramref name="now"/>, in time order; returns how many fired.</summary>
    public int FireProcessingTimers(long now) => Fire(_processingTime, now, TimeDomain.ProcessingTime);

    /// <inheritdoc/>
    public void DropProcessingTimers() => _processingTime.Clear();

    /// <inheritdoc/>
    long IKeyedTimers.Watermark => _watermark;

    /// <inheritdoc/>
    void IKeyedTimers.RestoreWatermark(long watermark) => _watermark = Math.Max(_watermark, watermark);

    private int Fire(IKeyedTimerQueue<TKey> queue, long upTo, TimeDomain domain)
    {
        int fired = 0;
        while (queue.TryTakeDue(upTo, out TKey key, out int hash, out long time))
        {
            SetCurrentKey(key, hash);
            _onTimer(key, hash, time, domain);
            fired++;
        }
        return fired;
    }

    private TKey CurrentKey()
    {
        if (!_hasKey)
        {
            throw new InvalidOperationException(
                "A timer was registered or deleted outside a keyed node's method: timers belong to the current record's key.");
        }
        return _key ?? throw new InvalidOperationException($"Node '{Node}' registered a timer for a record whose key is null: "
            + "a timer belongs to a key, and checkpoints cannot restore one without it. Make the key selector return a "
            + "non-null key (for example an empty string), or filter such records out before the node.");
    }
}
