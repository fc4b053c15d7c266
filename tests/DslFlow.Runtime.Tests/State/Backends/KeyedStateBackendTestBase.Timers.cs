using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// The timer queues every backend keeps (Flink's <c>InternalPriorityQueueTestBase</c> and the timer parts of
/// <c>StateBackendTestBase</c>): one timer per key and time, taken in time order across key groups, deletable, saved with
/// the keyed state and restored — rescaled, or into the heap — by key group.
/// </summary>
public abstract partial class KeyedStateBackendTestBase
{
    private static TimerQueueDescriptor<string> TimersOf(string name) => new(name, StringSerializer.Instance!);

    private static bool Register(IKeyedTimerQueue<string> queue, string key, long time) => queue.Register(key, StableHash.Of(key), time);

    /// <summary>Takes every timer due at <paramref name="time"/>, checking each comes no earlier than the one before.</summary>
    private static List<(string Key, long Time)> TakeDue(IKeyedTimerQueue<string> queue, long time)
    {
        var taken = new List<(string Key, long Time)>();
        while (queue.TryTakeDue(time, out string key, out int hash, out long at))
        {
            Assert.Equal(StableHash.Of(key), hash);
            Assert.True(at <= time, $"timer {key}@{at} taken at {time}");
            Assert.True(taken.Count == 0 || taken[^1].Time <= at, $"timer {key}@{at} came after {string.Join(", ", taken.TakeLast(1))}");
            taken.Add((key, at));
        }
        return taken;
    }

    [Fact]
    public void Timers_come_out_in_time_order_across_key_groups_once_per_key_and_time_and_deleted_ones_never()
    {
        const int Seed = 20261204;
        var random = new Random(Seed);
        using IKeyedStateBackend backend = CreateBackend(All);
        IKeyedTimerQueue<string> queue = backend.GetOrCreateTimerQueue(TimersOf("Node.$timers.event"));
        var expected = new SortedSet<(long Time, string Key)>();
        long watermark = -1_000;
        for (int step = 0; step < 4_000; step++)
        {
            string key = $"key-{random.Next(300)}";
            long time = watermark + random.Next(-50, 400); // some already due, negative times too
            switch (random.Next(10))
            {
                case < 6:
                    Assert.Equal(expected.Add((time, key)), Register(queue, key, time));
                    break;
                case < 8:
                    (long Time, string Key) victim = expected.Count > 0 && random.Next(2) == 0 ? expected.ElementAt(random.Next(expected.Count)) : (time, key);
                    Assert.Equal(expected.Remove(victim), queue.Delete(victim.Key, StableHash.Of(victim.Key), victim.Time));
                    break;
                default:
                    watermark += random.Next(0, 120);
                    List<(string Key, long Time)> due = TakeDue(queue, watermark);
                    List<(long Time, string Key)> expectedDue = [.. expected.Where(t => t.Time <= watermark)];
                    Assert.Equal(expectedDue.Order(), due.Select(t => (t.Time, t.Key)).Order());
                    expected.ExceptWith(expectedDue);
                    break;
            }
            Assert.Equal(expected.Count, queue.Count);
            Assert.Equal(expected.Count == 0 ? null : expected.Min.Time, queue.NextTime);
        }
        Assert.Equal(expected.Select(t => (t.Key, t.Time)).Order(), TakeDue(queue, long.MaxValue).Order());
        Assert.Null(queue.NextTime);
        Assert.Equal(0, queue.Count);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    public void Timers_restore_rescaled_each_into_the_subtask_owning_its_key_group(int oldParallelism, int newParallelism)
    {
        const int Keys = 1_500;
        var snapshots = new List<TaskStateSnapshot>();
        for (int s = 0; s < oldParallelism; s++)
        {
            using IKeyedStateBackend backend = CreateBackend(KeyGroups.RangeOf(s, oldParallelism, MaxParallelism));
            FillTimers(backend, Keys);
            snapshots.Add(Checkpoint(backend, oldParallelism));
        }
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, snapshots);

        var fired = new List<(string Key, long Time, string Kind)>();
        for (int s = 0; s < newParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, newParallelism, MaxParallelism);
            using IKeyedStateBackend backend = CreateBackend(range);
            (IKeyedTimerQueue<string> events, IKeyedTimerQueue<string> processing) = DeclareTimers(backend);
            new TaskStates("Node", backend, Options, s, newParallelism, MaxParallelism).Restore(restored);
            Assert.Equal(ExpectedTimers(Keys).Count(t => range.Contains(GroupOf(t.Key))), events.Count + processing.Count);
            foreach ((IKeyedTimerQueue<string> queue, string kind) in new[] { (events, "event"), (processing, "processing") })
            {
                foreach ((string key, long time) in TakeDue(queue, long.MaxValue))
                {
                    Assert.True(range.Contains(GroupOf(key)), $"{key} of key group {GroupOf(key)} restored into subtask {s} owning {range}");
                    fired.Add((key, time, kind));
                }
            }
        }
        Assert.Equal(ExpectedTimers(Keys).Order(), fired.Order());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Timers_checkpoint_in_the_common_format_so_a_job_can_switch_between_this_backend_and_the_heap(bool toHeap)
    {
        const int Keys = 600;
        var heap = new StateBackendOptions();
        var snapshots = new List<TaskStateSnapshot>();
        for (int s = 0; s < 2; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 2, MaxParallelism);
            using IKeyedStateBackend backend = toHeap ? CreateBackend(range) : KeyedStateBackends.Create(heap, range, MaxParallelism);
            FillTimers(backend, Keys);
            snapshots.Add(Checkpoint(backend, 2));
        }
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, snapshots);

        var fired = new List<(string Key, long Time, string Kind)>();
        for (int s = 0; s < 3; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 3, MaxParallelism);
            using IKeyedStateBackend backend = toHeap ? KeyedStateBackends.Create(heap, range, MaxParallelism) : CreateBackend(range);
            (IKeyedTimerQueue<string> events, IKeyedTimerQueue<string> processing) = DeclareTimers(backend);
            new TaskStates("Node", backend, heap, s, 3, MaxParallelism).Restore(restored);
            fired.AddRange(TakeDue(events, long.MaxValue).Select(t => (t.Key, t.Time, "event")));
            fired.AddRange(TakeDue(processing, long.MaxValue).Select(t => (t.Key, t.Time, "processing")));
        }
        Assert.Equal(ExpectedTimers(Keys).Order(), fired.Order());
    }

    [Fact]
    public void Timer_changes_after_the_synchronous_part_never_show_in_the_snapshot()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        FillTimers(backend, 200);
        (IKeyedTimerQueue<string> events, IKeyedTimerQueue<string> processing) = DeclareTimers(backend);

        IReadOnlyList<IKeyedStateSnapshot> frozen = SynchronousPart(backend, 1);
        TakeDue(events, 50); // fired after the barrier
        for (int k = 0; k < 200; k += 2)
        {
            Register(events, $"key-{k}", 1_000_000 + k);
            processing.Delete($"key-{k}", StableHash.Of($"key-{k}"), 5_000 + k);
        }
        TaskStateSnapshot snapshot = Complete(frozen, All, 1);

        using IKeyedStateBackend fresh = CreateBackend(All);
        (IKeyedTimerQueue<string> e, IKeyedTimerQueue<string> p) = DeclareTimers(fresh);
        fresh.Restore(RestoredCheckpoint.FromSnapshots(1, [snapshot]));
        List<(string Key, long Time, string Kind)> restored =
            [.. TakeDue(e, long.MaxValue).Select(t => (t.Key, t.Time, "event")), .. TakeDue(p, long.MaxValue).Select(t => (t.Key, t.Time, "processing"))];
        Assert.Equal(ExpectedTimers(200).Order(), restored.Order());
        Assert.Equal(ExpectedTimers(200).Count(t => t.Kind == "event" && t.Time > 50) + 100, events.Count); // the live queue has the changes
    }

    [Fact]
    public void Clearing_a_queue_drops_every_timer_and_a_checkpoint_after_it_holds_none()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        FillTimers(backend, 300);
        (IKeyedTimerQueue<string> events, IKeyedTimerQueue<string> processing) = DeclareTimers(backend);

        processing.Clear();

        Assert.Equal(0, processing.Count);
        Assert.Null(processing.NextTime);
        Assert.Empty(TakeDue(processing, long.MaxValue));
        TaskStateSnapshot snapshot = Checkpoint(backend, 1);
        Assert.Equal(0, EntryCount(snapshot, "Node.$timers.processing"));
        Assert.Equal(ExpectedTimers(300).Count(t => t.Kind == "event"), EntryCount(snapshot, "Node.$timers.event"));
        Register(processing, "key-1", 7); // the queue still works
        Assert.Equal(7, processing.NextTime);
    }

    [Fact]
    public void A_timer_queue_is_declared_once_and_never_under_a_state_name()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        IKeyedTimerQueue<string> queue = backend.GetOrCreateTimerQueue(TimersOf("Node.$timers.event"));
        backend.GetOrCreateState(ValueOf<long>("Node.count"));

        Assert.Same(queue, backend.GetOrCreateTimerQueue(TimersOf("Node.$timers.event")));
        var asState = Assert.Throws<InvalidOperationException>(() => backend.GetOrCreateState(ValueOf<long>("Node.$timers.event")));
        var asTimers = Assert.Throws<InvalidOperationException>(() => backend.GetOrCreateTimerQueue(TimersOf("Node.count")));
        var otherKey = Assert.Throws<InvalidOperationException>(() =>
            backend.GetOrCreateTimerQueue(new TimerQueueDescriptor<long>("Node.$timers.event", Int64Serializer.Instance)));

        Assert.Contains("'Node.$timers.event'", asState.Message, StringComparison.Ordinal);
        Assert.Contains("'Node.count'", asTimers.Message, StringComparison.Ordinal);
        Assert.Contains("timers keyed by long", otherKey.Message, StringComparison.Ordinal);
        Assert.Equal(["Node.$timers.event", "Node.count"], backend.States.Select(s => s.Name).Order());
        Assert.StartsWith("timers keyed by string", backend.States.Single(s => s.Name == "Node.$timers.event").Descriptor);
    }

    private static (IKeyedTimerQueue<string> Events, IKeyedTimerQueue<string> Processing) DeclareTimers(IKeyedStateBackend backend) =>
        (backend.GetOrCreateTimerQueue(TimersOf("Node.$timers.event")), backend.GetOrCreateTimerQueue(TimersOf("Node.$timers.processing")));

    /// <summary>Registers <see cref="ExpectedTimers"/> of the keys the backend owns, with deleted and duplicate registrations besides.</summary>
    private static void FillTimers(IKeyedStateBackend backend, int keys)
    {
        (IKeyedTimerQueue<string> events, IKeyedTimerQueue<string> processing) = DeclareTimers(backend);
        for (int k = 0; k < keys; k++)
        {
            string key = $"key-{k}";
            if (backend.KeyGroups.Contains(GroupOf(key)))
            {
                Register(events, key, k % 100);
                Register(events, key, k % 100); // again: one timer
                Register(events, key, -k); // negative times sort first
                Register(events, key, 123_456_789);
                events.Delete(key, StableHash.Of(key), 123_456_789);
                Register(processing, key, 5_000 + k);
            }
        }
    }

    private static List<(string Key, long Time, string Kind)> ExpectedTimers(int keys) =>
        [.. Enumerable.Range(0, keys).SelectMany(k => new[]
        {
            ($"key-{k}", (long)(k % 100), "event"),
            ($"key-{k}", (long)-k, "event"),
            ($"key-{k}", 5_000L + k, "processing"),
        }).Distinct()];
}
