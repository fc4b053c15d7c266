using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Time.Timers;

/// <summary>
/// A keyed node's timers of both kinds over one subtask's key groups: the <see cref="TimerService"/> its method sees
/// (generated code sets the current key before each record), and what the task drives — <see cref="AdvanceWatermark"/>
/// when the input watermark moves, <see cref="FireProcessingTimers"/> when processing time reaches
/// <see cref="NextProcessingTime"/>. Each fired timer is handed over with its key, so the node's state is in scope.
/// Owned by the task thread.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class KeyedTimers<TKey> : TimerService
    where TKey : notnull
{
    private readonly KeyedTimerQueue<TKey> _eventTime;
    private readonly KeyedTimerQueue<TKey> _processingTime;
    private readonly TimeProvider _time;
    private TKey _key = default!;
    private int _hash;
    private bool _hasKey;
    private long _watermark = long.MinValue;

    /// <summary>Creates the timers of node <paramref name="node"/> (sections <c>node.$timers.event</c> and <c>.processing</c>).</summary>
    public KeyedTimers(string node, ISerializer<TKey> keys, KeyGroupRange range, int maxParallelism, TimeProvider time)
    {
        _eventTime = new KeyedTimerQueue<TKey>(node + ".$timers.event", keys, range, maxParallelism);
        _processingTime = new KeyedTimerQueue<TKey>(node + ".$timers.processing", keys, range, maxParallelism);
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>Both queues, for snapshots and restores.</summary>
    public IReadOnlyList<KeyedTimerQueue<TKey>> Queues => [_eventTime, _processingTime];

    /// <summary>Timers registered and not fired or deleted, of both kinds.</summary>
    public int Pending => _eventTime.Count + _processingTime.Count;

    /// <summary>The earliest processing-time timer, or null: when the task should next call <see cref="FireProcessingTimers"/>.</summary>
    public long? NextProcessingTime => _processingTime.NextTime;

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
    public override void DeleteEventTimeTimer(long time) => _eventTime.Delete(CurrentKey(), time);

    /// <inheritdoc/>
    public override void RegisterProcessingTimeTimer(long time) => _processingTime.Register(CurrentKey(), _hash, time);

    /// <inheritdoc/>
    public override void DeleteProcessingTimeTimer(long time) => _processingTime.Delete(CurrentKey(), time);

    /// <summary>
    /// The input watermark reached <paramref name="watermark"/>: fires every event-time timer at or before it, in time
    /// order, each with its key current (a timer it registers that is due fires in this call too); returns how many fired.
    /// </summary>
    public int AdvanceWatermark(long watermark, Action<TKey, long> onTimer)
    {
        if (watermark > _watermark)
        {
            _watermark = watermark;
        }
        return Fire(_eventTime, _watermark, onTimer);
    }

    /// <summary>Fires every processing-time timer at or before <paramref name="now"/>, in time order; returns how many fired.</summary>
    public int FireProcessingTimers(long now, Action<TKey, long> onTimer) => Fire(_processingTime, now, onTimer);

    private int Fire(KeyedTimerQueue<TKey> queue, long upTo, Action<TKey, long> onTimer)
    {
        int fired = 0;
        while (queue.TryTakeDue(upTo, out TKey key, out int hash, out long time))
        {
            SetCurrentKey(key, hash);
            onTimer(key, time);
            fired++;
        }
        return fired;
    }

    private TKey CurrentKey() => _hasKey ? _key : throw new InvalidOperationException(
        "A timer was registered or deleted outside a keyed node's method: timers belong to the current record's key.");
}
