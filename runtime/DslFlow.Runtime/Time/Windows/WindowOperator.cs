using System.Buffers;
using System.ComponentModel;
using DslFlow.Time.Windows;

namespace DslFlow;

/// <summary>
/// A keyed window node's logic (Flink's <c>WindowOperator</c> with its default event-time or processing-time trigger and
/// an incremental aggregate): each record's windows get the record added to their accumulator, kept in the key's
/// <c>MapState&lt;TimeWindow, TAcc&gt;</c>; a timer at each window's <see cref="TimeWindow.MaxTimestamp"/> emits its
/// result, one at <c>MaxTimestamp + allowed lateness</c> drops it. So windows are keyed state and timers only, and
/// checkpoints, rescaling, the changelog and RocksDB cover them with no mechanism of their own.
/// <list type="bullet">
/// <item>A record whose every window is past its cleanup time (the watermark reached <c>MaxTimestamp + lateness</c>) is
/// late: it goes to the late-records output, or is dropped and counted (<see cref="LateRecordsDropped"/>).</item>
/// <item>A record for a window that already fired but is within the allowed lateness updates it and fires it again at
/// once, with the record counted (Flink's <c>EventTimeTrigger</c>).</item>
/// <item>Session windows of a key that touch merge (their accumulators through the merge function) before the record's
/// lateness is judged, as Flink's <c>MergingWindowSet</c> does.</item>
/// <item>Timers are never deleted: a merged-away window's timer, or one of a window already dropped, finds no window to
/// fire and does nothing (deleting could remove another window's timer at the same time).</item>
/// </list>
/// The caller points the map state and the timer service at the record's key before each call. The operator holds no
/// state of its own (its scratch space is per thread), so one instance serves every subtask of a node, even from a
/// static field of a pipeline's <c>[Process]</c> node. No allocation per record once a key's map has room.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
/// <typeparam name="TIn">The records.</typeparam>
/// <typeparam name="TAcc">The accumulator of one window (starts at its default value).</typeparam>
/// <typeparam name="TOut">A fired window's result.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WindowOperator<TKey, TIn, TAcc, TOut>
    where TKey : notnull
{
    private readonly WindowAssigner _assigner;
    private readonly TimeDomain _domain;
    private readonly long _lateness;
    private readonly Func<TAcc, TIn, TAcc> _add;
    private readonly Func<TAcc, TAcc, TAcc>? _merge;
    private readonly Action<TKey, TimeWindow, TAcc, Collector<TOut>> _fire;
    private const int OnStack = 32;

    [ThreadStatic]
    private static List<KeyValuePair<TimeWindow, TAcc>>? t_matching; // the windows one call merges or fires

    private long _dropped;
    private long _emitted;

    /// <param name="owner">The node, for messages.</param>
    /// <param name="assigner">Which windows a record belongs to.</param>
    /// <param name="domain">Event time (the record's timestamp, fired by the watermark) or processing time (the clock's now).</param>
    /// <param name="allowedLatenessMs">How long after it fired a window still takes late records (event time only).</param>
    /// <param name="add">Adds a record to a window's accumulator.</param>
    /// <param name="merge">Combines the accumulators of two sessions that merge; required for session windows.</param>
    /// <param name="result">A fired window's output.</param>
    /// <exception cref="ArgumentException">A setting does not fit the window (see the message).</exception>
    public WindowOperator(string owner, WindowAssigner assigner, TimeDomain domain, long allowedLatenessMs,
        Func<TAcc, TIn, TAcc> add, Func<TAcc, TAcc, TAcc>? merge, Func<TKey, TimeWindow, TAcc, TOut> result)
        : this(owner, assigner, domain, allowedLatenessMs, add, merge, Emitting(result))
    {
    }

    /// <summary>
    /// A window whose firing emits any number of results: a full-window function over the window's elements (its
    /// accumulator a <see cref="List{T}"/> of them, see <see cref="WindowElements"/>), or any other emitting function.
    /// </summary>
    /// <param name="owner">The node, for messages.</param>
    /// <param name="assigner">Which windows a record belongs to.</param>
    /// <param name="domain">Event time or processing time.</param>
    /// <param name="allowedLatenessMs">How long after it fired a window still takes late records (event time only).</param>
    /// <param name="add">Adds a record to a window's accumulator.</param>
    /// <param name="merge">Combines the accumulators of two sessions that merge; required for session windows.</param>
    /// <param name="fire">Emits a fired window's results to the collector it is given.</param>
    /// <exception cref="ArgumentException">A setting does not fit the window (see the message).</exception>
    public WindowOperator(string owner, WindowAssigner assigner, TimeDomain domain, long allowedLatenessMs,
        Func<TAcc, TIn, TAcc> add, Func<TAcc, TAcc, TAcc>? merge, Action<TKey, TimeWindow, TAcc, Collector<TOut>> fire)
    {
        ArgumentNullException.ThrowIfNull(owner);
        _assigner = assigner ?? throw new ArgumentNullException(nameof(assigner));
        if (WindowRules.NegativeLateness(owner, allowedLatenessMs) is { } negative)
        {
            throw new ArgumentOutOfRangeException(nameof(allowedLatenessMs), allowedLatenessMs, negative);
        }
        if (domain == TimeDomain.ProcessingTime && allowedLatenessMs > 0)
        {
            throw new ArgumentException($"The window of {owner} runs in processing time and has AllowedLatenessMs = "
                + $"{allowedLatenessMs}: only event-time windows have late records. Remove the lateness, or window by event time.",
                nameof(allowedLatenessMs));
        }
        if (assigner.Merging && merge is null)
        {
            throw new ArgumentException($"The session window of {owner} aggregates incrementally but has no merge function: "
                + "sessions of a key that come to touch merge, and so must their accumulators.", nameof(merge));
        }
        _domain = domain;
        _lateness = allowedLatenessMs;
        _add = add ?? throw new ArgumentNullException(nameof(add));
        _merge = merge;
        _fire = fire ?? throw new ArgumentNullException(nameof(fire));
    }

    private static Action<TKey, TimeWindow, TAcc, Collector<TOut>> Emitting(Func<TKey, TimeWindow, TAcc, TOut> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return (key, window, accumulator, output) => output.Emit(result(key, window, accumulator));
    }

    /// <summary>Late records dropped because the node has no late-records output (over every subtask using the operator).</summary>
    public long LateRecordsDropped => Interlocked.Read(ref _dropped);

    /// <summary>Late records passed to the late-records output.</summary>
    public long LateRecordsEmitted => Interlocked.Read(ref _emitted);

    private static List<KeyValuePair<TimeWindow, TAcc>> Matching => t_matching ??= [];

    /// <summary>
    /// Adds <paramref name="element"/> (at event time <paramref name="timestamp"/>; ignored in processing time, where the
    /// clock's now counts) to its windows of the current key.
    /// </summary>
    /// <param name="key">The record's key (for results fired at once).</param>
    /// <param name="element">The record.</param>
    /// <param name="timestamp">Its event time.</param>
    /// <param name="windows">The key's windows, pointed at the key.</param>
    /// <param name="timers">The node's timers, pointed at the key.</param>
    /// <param name="output">Where results fired at once go (late records within the allowed lateness).</param>
    /// <param name="late">The late-records output, or null to drop and count them.</param>
    public void OnElement(TKey key, TIn element, long timestamp, MapState<TimeWindow, TAcc> windows, TimerService timers,
        Collector<TOut> output, Collector<TIn>? late)
    {
        long watermark = long.MinValue;
        if (_domain == TimeDomain.ProcessingTime)
        {
            timestamp = timers.CurrentProcessingTime;
        }
        else
        {
            watermark = timers.CurrentWatermark;
        }
        int most = _assigner.MaxWindowsPerRecord;
        TimeWindow[]? rented = most > OnStack ? ArrayPool<TimeWindow>.Shared.Rent(most) : null;
        Span<TimeWindow> assigned = rented ?? stackalloc TimeWindow[OnStack];
        try
        {
            int count = _assigner.Assign(timestamp, assigned);
            if (count == 0)
            {
                return; // in a gap between sliding windows (slide > size): in no window, dropped — on time, so not late
            }
            if (_assigner.Merging)
            {
                AddToSession(key, element, assigned[0], windows, timers, output, late, watermark);
                return;
            }
            bool placed = false;
            for (int i = 0; i < count; i++)
            {
                TimeWindow window = assigned[i];
                if (IsLate(window, watermark))
                {
                    continue;
                }
                placed = true;
                bool existed = windows.Cell.Entries.TryGetValue(window, out TAcc? accumulator);
                Update(key, window, _add(existed ? accumulator! : default!, element), windows, timers, output, watermark, created: !existed);
            }
            if (!placed)
            {
                Late(element, late);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<TimeWindow>.Shared.Return(rented);
            }
        }
    }

    /// <summary>A timer of the current key fired: windows whose fire time it is emit, those due for cleanup go.</summary>
    public void OnTimer(TKey key, long time, TimeDomain domain, MapState<TimeWindow, TAcc> windows, Collector<TOut> output)
    {
        if (domain != _domain)
        {
            return; // a window node registers timers in its own domain only
        }
        List<KeyValuePair<TimeWindow, TAcc>> matching = Matching;
        matching.Clear(); // a call that failed half-way left its entries
        foreach (KeyValuePair<TimeWindow, TAcc> entry in windows.Cell.Entries)
        {
            if (FireTime(entry.Key) == time || CleanupTime(entry.Key) == time)
            {
                matching.Add(entry);
            }
        }
        foreach ((TimeWindow window, TAcc accumulator) in matching)
        {
            if (FireTime(window) == time)
            {
                _fire(key, window, accumulator, output);
            }
            if (CleanupTime(window) == time)
            {
                windows.Remove(window);
            }
        }
        matching.Clear();
    }

    private void AddToSession(TKey key, TIn element, TimeWindow window, MapState<TimeWindow, TAcc> windows, TimerService timers,
        Collector<TOut> output, Collector<TIn>? late, long watermark)
    {
        TimeWindow cover = window;
        List<KeyValuePair<TimeWindow, TAcc>> matching = Matching;
        matching.Clear(); // a call that failed half-way left its entries
        foreach (KeyValuePair<TimeWindow, TAcc> entry in windows.Cell.Entries)
        {
            if (entry.Key.Intersects(window))
            {
                matching.Add(entry); // a key's sessions never touch each other, so one pass finds every one to merge
                cover = cover.Cover(entry.Key);
            }
        }
        if (matching.Count == 0)
        {
            if (IsLate(window, watermark))
            {
                Late(element, late);
                return;
            }
            Update(key, window, _add(default!, element), windows, timers, output, watermark, created: true);
            return;
        }
        // Sessions join in time order (the state's enumeration order differs between backends), so a full-window
        // function sees the same list on every backend: each session's records in arrival order, earlier sessions first.
        matching.Sort(static (a, b) => a.Key.Start.CompareTo(b.Key.Start));
        TAcc merged = matching[0].Value;
        windows.Remove(matching[0].Key);
        for (int i = 1; i < matching.Count; i++)
        {
            merged = _merge!(merged, matching[i].Value);
            windows.Remove(matching[i].Key);
        }
        matching.Clear();
        if (IsLate(cover, watermark))
        {
            Update(key, cover, merged, windows, timers, output, watermark, created: true); // cannot happen (a kept session is never late); kept for safety
            Late(element, late);
            return;
        }
        Update(key, cover, _add(merged, element), windows, timers, output, watermark, created: true);
    }

    /// <summary>
    /// Stores a window's accumulator and makes sure it fires: at once when event time already passed its end (a late
    /// record within the allowed lateness), else by its timer. A window just <paramref name="created"/> registers its
    /// timers; one already in the map has them (both are saved by the same snapshot) — unless it may have fired already:
    /// with lateness a fired window stays, and a restore can start the watermark lower than the failed run had it (the
    /// minimum over the old subtasks), so its fire timer is registered again (a no-op when pending); processing-time
    /// windows register it every time too (the end of input drops processing-time timers, not the windows).
    /// </summary>
    private void Update(TKey key, TimeWindow window, TAcc accumulator, MapState<TimeWindow, TAcc> windows, TimerService timers,
        Collector<TOut> output, long watermark, bool created)
    {
        windows[window] = accumulator;
        if (_domain == TimeDomain.ProcessingTime)
        {
            timers.RegisterProcessingTimeTimer(FireTime(window));
            return;
        }
        if (window.MaxTimestamp <= watermark)
        {
            _fire(key, window, accumulator, output); // a late record within the allowed lateness fires its window again
        }
        else if (created || _lateness > 0)
        {
            timers.RegisterEventTimeTimer(window.MaxTimestamp);
        }
        if (created && _lateness > 0)
        {
            timers.RegisterEventTimeTimer(CleanupTime(window));
        }
    }

    /// <summary>
    /// When a window fires: in event time at its last millisecond, once the watermark reached it; in processing time at
    /// its end, once the clock passed its last millisecond — a timer at the last millisecond would fire while records of
    /// that millisecond still arrive, and they would open the window again (Flink's timer service adds the 1 ms too).
    /// </summary>
    private long FireTime(TimeWindow window) => _domain == TimeDomain.ProcessingTime ? window.End : window.MaxTimestamp;

    private bool IsLate(TimeWindow window, long watermark) => _domain == TimeDomain.EventTime && CleanupTime(window) <= watermark;

    private long CleanupTime(TimeWindow window) =>
        _domain == TimeDomain.ProcessingTime ? window.End : WindowAssigner.SaturatingAdd(window.MaxTimestamp, _lateness);

    private void Late(TIn element, Collector<TIn>? late)
    {
        if (late is null)
        {
            Interlocked.Increment(ref _dropped);
            return;
        }
        late.Emit(element);
        Interlocked.Increment(ref _emitted);
    }
}
