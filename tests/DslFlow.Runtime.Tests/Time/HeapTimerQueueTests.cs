using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Heap;
using DslFlow.Time.Timers;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>Keyed timers of one kind: one per key and time, in time order, deletable, snapshotted and restored by key group.</summary>
public sealed class HeapTimerQueueTests
{
    private const int MaxParallelism = 128;
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);

    private static HeapTimerQueue<string> Create(KeyGroupRange? range = null) =>
        new(new TimerQueueDescriptor<string>("Node.$timers.event", StringSerializer.Instance!), range ?? All, MaxParallelism);

    private static bool Register(HeapTimerQueue<string> queue, string key, long time) => queue.Register(key, StableHash.Of(key), time);

    private static List<(string Key, long Time)> TakeDue(HeapTimerQueue<string> queue, long time)
    {
        var fired = new List<(string, long)>();
        while (queue.TryTakeDue(time, out string key, out int hash, out long at))
        {
            Assert.Equal(StableHash.Of(key), hash);
            fired.Add((key, at));
        }
        return fired;
    }

    [Fact]
    public void Timers_come_out_in_time_order_once_due_ties_in_registration_order()
    {
        HeapTimerQueue<string> queue = Create();
        Register(queue, "b", 30);
        Register(queue, "a", 10);
        Register(queue, "c", 20);
        Register(queue, "a", 20);
        Assert.Equal(10, queue.NextTime);

        Assert.Empty(TakeDue(queue, 9));
        Assert.Equal([("a", 10L), ("c", 20L), ("a", 20L)], TakeDue(queue, 20)); // at or before the time
        Assert.Equal([("b", 30L)], TakeDue(queue, long.MaxValue));
        Assert.Null(queue.NextTime);
    }

    [Fact]
    public void A_key_has_at_most_one_timer_per_time_and_a_deleted_timer_never_fires()
    {
        HeapTimerQueue<string> queue = Create();
        Assert.True(Register(queue, "a", 10));
        Assert.False(Register(queue, "a", 10));
        Assert.True(Register(queue, "a", 11));
        Assert.True(Register(queue, "b", 10));
        Assert.Equal(3, queue.Count);

        Assert.True(queue.Delete("a", StableHash.Of("a"), 10));
        Assert.False(queue.Delete("a", StableHash.Of("a"), 10));
        Assert.False(queue.Delete("z", StableHash.Of("z"), 10));
        Assert.Equal([("b", 10L), ("a", 11L)], TakeDue(queue, 100));
        Assert.True(Register(queue, "a", 10)); // fired and deleted timers can be registered again
    }

    [Fact]
    public void Many_deletions_and_registrations_again_leave_exactly_the_live_timers_in_order()
    {
        // A session pattern: each record deletes its key's deadline and registers a later one. Deleted timers stay in
        // their buckets until they come up or the buckets are compacted; neither may let one fire or drop a live one.
        var random = new Random(17);
        HeapTimerQueue<string> queue = Create();
        var live = new Dictionary<string, long>();
        for (int i = 0; i < 20_000; i++)
        {
            string key = $"k{random.Next(50)}";
            if (live.TryGetValue(key, out long old))
            {
                Assert.True(queue.Delete(key, StableHash.Of(key), old));
            }
            long time = 1_000 + random.Next(5_000);
            Assert.True(Register(queue, key, time)); // the key's old timer was deleted: other keys may share the time
            live[key] = time;
            if (i == 10_000)
            {
                Assert.False(queue.Delete(key, StableHash.Of(key), time + 100_000)); // never registered
                Assert.False(Register(queue, key, time)); // registered already: a no-op
            }
        }
        Assert.Equal(live.Count, queue.Count);
        Assert.Equal(live.Values.Min(), queue.NextTime);
        foreach ((string key, long time) in live.OrderBy(p => p.Value).Take(10).ToList())
        {
            Assert.True(queue.Delete(key, StableHash.Of(key), time)); // the earliest buckets now hold only deleted timers
            live.Remove(key);
        }
        Assert.Equal(live.Values.Min(), queue.NextTime);
        List<(string Key, long Time)> fired = TakeDue(queue, long.MaxValue);
        Assert.Equal(live.OrderBy(p => p.Value).Select(p => p.Value), fired.Select(f => f.Time));
        Assert.Equal(live.Keys.Order(), fired.Select(f => f.Key).Order());
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.NextTime);
    }

    [Fact]
    public void A_timer_registered_while_firing_comes_out_in_turn_when_due()
    {
        HeapTimerQueue<string> queue = Create();
        Register(queue, "a", 10);
        Register(queue, "b", 50);
        var fired = new List<(string, long)>();
        while (queue.TryTakeDue(40, out string key, out _, out long at))
        {
            fired.Add((key, at));
            if (key == "a")
            {
                Register(queue, "a", at + 5); // due too: fires in this round
                Register(queue, "c", 45); // not due yet
            }
        }
        Assert.Equal([("a", 10L), ("a", 15L), ("a", 20L), ("a", 25L), ("a", 30L), ("a", 35L), ("a", 40L)], fired);
        Assert.Equal(45, queue.NextTime);
    }

    [Fact]
    public void A_snapshot_restores_into_the_subtasks_that_own_each_key_group()
    {
        int seed = Environment.TickCount & 0xFFFF;
        var random = new Random(seed);
        HeapTimerQueue<string> queue = Create();
        var expected = new SortedSet<(long, string)>();
        for (int i = 0; i < 500; i++)
        {
            string key = $"k{random.Next(200)}";
            long time = random.Next(1_000);
            if (Register(queue, key, time))
            {
                expected.Add((time, key));
            }
        }
        IReadOnlyList<KeyGroupBlock> blocks = queue.Snapshot();
        Assert.Equal(blocks.Select(b => b.KeyGroup).Order(), blocks.Select(b => b.KeyGroup));
        Assert.Equal(expected.Count, blocks.Sum(b => b.Count));

        // Rescaled 1 → 3: each new subtask takes its key groups' timers, and together they hold every timer once.
        var restored = new SortedSet<(long, string)>();
        for (int subtask = 0; subtask < 3; subtask++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(subtask, 3, MaxParallelism);
            HeapTimerQueue<string> part = Create(range);
            foreach (KeyGroupBlock block in blocks.Where(b => range.Contains(b.KeyGroup)))
            {
                part.RestoreBlock(block.KeyGroup, block.Count, block.First.Span);
            }
            foreach ((string key, long time) in TakeDue(part, long.MaxValue))
            {
                Assert.True(range.Contains(KeyGroups.Assign(StableHash.Of(key), MaxParallelism)), $"seed {seed}: {key} restored outside its range");
                Assert.True(restored.Add((time, key)), $"seed {seed}: ({key}, {time}) restored twice");
            }
        }
        Assert.Equal(expected, restored);
    }

    [Fact]
    public void A_block_whose_timer_belongs_to_another_key_group_is_refused()
    {
        HeapTimerQueue<string> queue = Create();
        Register(queue, "a", 10);
        KeyGroupBlock block = Assert.Single(queue.Snapshot());
        int other = (block.KeyGroup + 1) % MaxParallelism;

        var error = Assert.Throws<StateFormatException>(() => Create().RestoreBlock(other, 1, block.First.Span));
        Assert.Contains($"belongs to key group {block.KeyGroup}, not to the block's key group {other}", error.Message);
        Assert.Throws<StateFormatException>(() => Create().RestoreBlock(block.KeyGroup, 2, block.First.Span)); // too few bytes
    }
}
