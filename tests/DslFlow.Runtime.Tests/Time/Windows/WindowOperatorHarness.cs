using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;
using Microsoft.Extensions.Time.Testing;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// One subtask of a keyed window node driven by hand (Flink's <c>KeyedOneInputStreamOperatorTestHarness</c> around a
/// <c>WindowOperator</c>): records with their key and time, watermarks, processing time; its windows in a real keyed
/// backend's map state and timer queues, so snapshots and rescaled restores go through the backend's format.
/// </summary>
internal sealed class WindowOperatorHarness<TIn, TAcc, TOut> : IDisposable
{
    private readonly IKeyedStateBackend _backend;
    private readonly KeyedState<string, MapCell<TimeWindow, TAcc>> _state;
    private readonly MapState<TimeWindow, TAcc> _windows = new();
    private readonly KeyedTimers<string> _timers;
    private readonly Collector<TOut> _output = new();
    private readonly Collector<TIn>? _late;

    public WindowOperatorHarness(WindowOperator<string, TIn, TAcc, TOut> window, KeyGroupRange? range = null,
        FakeTimeProvider? time = null, bool lateOutput = false, StateBackendOptions? backend = null)
    {
        Operator = window;
        Time = time ?? new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(0));
        _backend = KeyedStateBackends.Create(backend ?? new StateBackendOptions(), range ?? new KeyGroupRange(0, MaxParallelism - 1),
            MaxParallelism, $"harness/Window-{Guid.NewGuid():N}");
        _state = _backend.GetOrCreateState(new KeyedStateDescriptor<string, MapCell<TimeWindow, TAcc>>("Window.$windows", KeyedStateKind.Map, null, null));
        _windows.Bind(_state);
        TimerQueueDescriptor<string> Queue(TimeDomain domain) => new(TimerQueueNames.Of("Window", domain), StringSerializer.Instance!);
        _timers = new KeyedTimers<string>("Window", _backend.GetOrCreateTimerQueue(Queue(TimeDomain.EventTime)),
            _backend.GetOrCreateTimerQueue(Queue(TimeDomain.ProcessingTime)), Time, (key, hash, at, domain) =>
            {
                Point(key, hash);
                Operator.OnTimer(key, at, domain, _windows, _output);
            });
        _late = lateOutput ? new Collector<TIn>() : null;
    }

    public WindowOperator<string, TIn, TAcc, TOut> Operator { get; }

    public FakeTimeProvider Time { get; }

    /// <summary>Everything the node emitted so far, in order.</summary>
    public List<TOut> Output { get; } = [];

    /// <summary>The late records it passed to its late-records output.</summary>
    public List<TIn> LateOutput { get; } = [];

    /// <summary>Windows held over every key (open, or fired and kept for late records).</summary>
    public int OpenWindows => _state.Entries().Values.Sum(cell => cell.Entries.Count);

    /// <summary>Timers pending.</summary>
    public int PendingTimers => ((IKeyedTimers)_timers).Pending;

    public void Process(string key, TIn element, long timestamp)
    {
        Point(key, StableHash.Of(key));
        Operator.OnElement(key, element, timestamp, _windows, _timers, _output, _late);
        Drain();
    }

    public void Watermark(long watermark)
    {
        _timers.AdvanceWatermark(watermark);
        Drain();
    }

    public void AdvanceProcessingTime(TimeSpan by)
    {
        Time.Advance(by);
        _timers.FireProcessingTimers(Time.GetUtcNow().ToUnixTimeMilliseconds());
        Drain();
    }

    /// <summary>A checkpoint of this subtask's keyed state (windows and timers), in the common format.</summary>
    public TaskStateSnapshot Snapshot(int parallelism) =>
        Complete(_backend.Snapshot(1), _backend.KeyGroups, parallelism);

    /// <summary>Fills this (fresh) subtask from <paramref name="restored"/>, with its timers' watermark.</summary>
    public void Restore(RestoredCheckpoint restored, long watermark)
    {
        _backend.Restore(restored);
        ((IKeyedTimers)_timers).RestoreWatermark(watermark);
    }

    public void Dispose() => _backend.Dispose();

    private void Point(string key, int hash)
    {
        _windows.Cell = _state.Cell(key, hash, KeyGroups.Assign(hash, MaxParallelism));
        _timers.SetCurrentKey(key, hash);
    }

    private void Drain()
    {
        foreach (TOut result in _output.Emitted)
        {
            Output.Add(result);
        }
        _output.Clear();
        if (_late is not null)
        {
            foreach (TIn record in _late.Emitted)
            {
                LateOutput.Add(record);
            }
            _late.Clear();
        }
    }
}
