using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Heap;
using DslFlow.Time.Timers;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>A keyed node's timer service: the current key's timers, fired by watermark or processing time with the key current.</summary>
public sealed class KeyedTimersTests
{
    private const int MaxParallelism = 128;
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));

    private Action<string, long> _onTimer = (_, _) => { };

    private KeyedTimers<string> Create(KeyGroupRange? range = null) => Create(out _, range);

    /// <summary>Timers over a heap backend's queues, as a task creates them.</summary>
    private KeyedTimers<string> Create(out HeapKeyedStateBackend backend, KeyGroupRange? range = null)
    {
        backend = new HeapKeyedStateBackend(range ?? All, MaxParallelism);
        TimerQueueDescriptor<string> Queue(TimeDomain domain) => new(TimerQueueNames.Of("Orders", domain), StringSerializer.Instance!);
        return new("Orders", backend.GetOrCreateTimerQueue(Queue(TimeDomain.EventTime)),
            backend.GetOrCreateTimerQueue(Queue(TimeDomain.ProcessingTime)), _time, (key, _, time, _) => _onTimer(key, time));
    }

    /// <summary>The key-group blocks of snapshotted sections, as a restore reads them.</summary>
    private sealed class Sections(IReadOnlyList<IKeyedStateSnapshot> sections) : IKeyedStateSource
    {
        public long CheckpointId => 1;

        public void ReadKeyGroups(string stateName, KeyGroupRange range, KeyGroupBlockReader restore)
        {
            foreach (KeyGroupBlock block in sections.Single(s => s.Name == stateName).Serialize(CancellationToken.None).Where(b => range.Contains(b.KeyGroup)))
            {
                restore(block.KeyGroup, block.Count, block.First.Span);
            }
        }
    }

    private int Advance(KeyedTimers<string> timers, long watermark, Action<string, long> onTimer)
    {
        _onTimer = onTimer;
        return timers.AdvanceWatermark(watermark);
    }

    private int FireProcessing(KeyedTimers<string> timers, long now, Action<string, long> onTimer)
    {
        _onTimer = onTimer;
        return timers.FireProcessingTimers(now);
    }

    private static void At(KeyedTimers<string> timers, string key) => timers.SetCurrentKey(key, StableHash.Of(key));

    [Fact]
    public void Event_time_timers_fire_once_when_the_watermark_reaches_them_with_their_key_current()
    {
        KeyedTimers<string> timers = Create();
        At(timers, "a");
        timers.RegisterEventTimeTimer(100);
        timers.RegisterEventTimeTimer(100); // once per key and time
        At(timers, "b");
        timers.RegisterEventTimeTimer(50);
        timers.RegisterEventTimeTimer(300);
        timers.DeleteEventTimeTimer(300);

        var fired = new List<string>();
        void OnTimer(string key, long time) => fired.Add($"{key}@{time} wm {timers.CurrentWatermark}");
        Assert.Equal(0, Advance(timers, 49, OnTimer));
        Assert.Equal(2, Advance(timers, 100, OnTimer));
        Assert.Equal(0, Advance(timers, long.MaxValue, OnTimer)); // the deleted one never fires
        Assert.Equal(["b@50 wm 100", "a@100 wm 100"], fired);
        Assert.Equal(0, timers.Pending);
    }

    [Fact]
    public void A_timer_registered_behind_the_watermark_fires_at_the_next_one_and_a_firing_timer_may_register_more()
    {
        KeyedTimers<string> timers = Create();
        Advance(timers, 500, (_, _) => { });
        At(timers, "late");
        timers.RegisterEventTimeTimer(200);
        var fired = new List<(string, long)>();
        Advance(timers, 500, (key, time) =>
        {
            fired.Add((key, time));
            if (time == 200)
            {
                timers.RegisterEventTimeTimer(400); // for the firing timer's key, due already
            }
        });
        Assert.Equal([("late", 200L), ("late", 400L)], fired);
    }

    [Fact]
    public void Processing_time_timers_fire_by_the_jobs_clock()
    {
        KeyedTimers<string> timers = Create();
        At(timers, "k");
        long now = timers.CurrentProcessingTime;
        Assert.Equal(1_000_000, now);
        timers.RegisterProcessingTimeTimer(now + 1_000);
        timers.RegisterProcessingTimeTimer(now + 5_000);
        Assert.Equal(now + 1_000, timers.NextProcessingTime);

        var fired = new List<long>();
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Equal(0, FireProcessing(timers, timers.CurrentProcessingTime, (_, t) => fired.Add(t)));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, FireProcessing(timers, timers.CurrentProcessingTime, (_, t) => fired.Add(t)));
        Assert.Equal([now + 1_000], fired);
        Assert.Equal(now + 5_000, timers.NextProcessingTime);
        Assert.Equal(0, Advance(timers, long.MaxValue, (_, _) => Assert.Fail("an event-time timer fired"))); // kinds stay apart
    }

    [Fact]
    public void Outside_a_keyed_method_there_is_no_key_to_register_for()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Create().RegisterEventTimeTimer(1));
        Assert.Contains("outside a keyed node's method", error.Message);
    }

    [Fact]
    public void Both_kinds_checkpoint_as_keyed_sections_and_restore_rescaled()
    {
        KeyedTimers<string> timers = Create(out HeapKeyedStateBackend backend);
        for (int k = 0; k < 100; k++)
        {
            At(timers, $"k{k}");
            timers.RegisterEventTimeTimer(k);
            timers.RegisterProcessingTimeTimer(2_000_000 + k);
        }
        IReadOnlyList<IKeyedStateSnapshot> sections = backend.Snapshot(1);
        Assert.Equal(["Orders.$timers.event", "Orders.$timers.processing"], sections.Select(s => s.Name));
        Assert.All(sections, s => Assert.StartsWith("timers keyed by string", s.Descriptor)); // type names without versions: stable across .NET releases
        Assert.All(sections, s => Assert.DoesNotContain("Version=", s.Descriptor));

        var restored = new List<string>();
        for (int subtask = 0; subtask < 2; subtask++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(subtask, 2, MaxParallelism);
            KeyedTimers<string> part = Create(out HeapKeyedStateBackend restoring, range);
            restoring.Restore(new Sections(sections));
            Advance(part, long.MaxValue, (key, time) => restored.Add($"{key} event {time}"));
            FireProcessing(part, long.MaxValue, (key, time) => restored.Add($"{key} processing {time}"));
        }
        Assert.Equal(200, restored.Count);
        Assert.Equal(Enumerable.Range(0, 100).SelectMany(k => new[] { $"k{k} event {k}", $"k{k} processing {2_000_000 + k}" }).Order(),
            restored.Order());
    }
}
