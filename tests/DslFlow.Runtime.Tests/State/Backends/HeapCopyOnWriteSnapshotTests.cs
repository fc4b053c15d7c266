using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// Snapshot isolation of the heap backend's copy-on-write snapshots: whatever the task thread writes after the
/// synchronous part — to existing keys, to new keys, enough of them to grow the tables mid-capture, in place into a
/// mutable value — and whenever the asynchronous part runs, the snapshot holds exactly the state at the synchronous part
/// and the live state holds every write. Writes are seeded; the seed is in every assertion message.
/// </summary>
public class HeapCopyOnWriteSnapshotTests
{
    // 16,000 keys fill a table of 32,768 slots to just under half: a few hundred new keys in a state make it grow.
    private const int Keys = 16_000;
    private const int Writes = 10_000;
    private const int Growth = 16_384;

    public enum Interleaving
    {
        WritesBeforeSerialize,
        WritesRacingSerialize,
        WritesAfterSerialize,
    }

    public static TheoryData<int, Interleaving> SeedsAndInterleavings()
    {
        var data = new TheoryData<int, Interleaving>();
        foreach (int seed in new[] { 1, 42, 20261202 })
        {
            foreach (Interleaving interleaving in Enum.GetValues<Interleaving>())
            {
                data.Add(seed, interleaving);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SeedsAndInterleavings))]
    public async Task A_snapshot_equals_the_model_at_its_synchronous_part_while_the_live_state_takes_every_write(int seed, Interleaving interleaving)
    {
        using var workload = new CopyOnWriteWorkload(seed, Keys);
        SortedDictionary<string, string> atBarrier = workload.Model();
        IReadOnlyList<IKeyedStateSnapshot> frozen = workload.Backend.Snapshot(1);

        TaskStateSnapshot snapshot;
        int writes = Writes;
        switch (interleaving)
        {
            case Interleaving.WritesBeforeSerialize:
                workload.WriteRandom(Writes);
                snapshot = Complete(frozen, workload.Backend.KeyGroups, 1);
                break;
            case Interleaving.WritesAfterSerialize:
                snapshot = Complete(frozen, workload.Backend.KeyGroups, 1);
                workload.WriteRandom(Writes);
                break;
            default:
                Task<TaskStateSnapshot> serializing = Task.Run(() => Complete(frozen, workload.Backend.KeyGroups, 1));
                for (writes = 0; writes < Writes || (!serializing.IsCompleted && writes < 5 * Writes); writes++)
                {
                    workload.WriteRandom();
                }
                snapshot = await serializing;
                break;
        }

        string context = $"seed {seed}, {interleaving}, {writes} writes";
        AssertSame(atBarrier, CopyOnWriteWorkload.Restored(snapshot), $"the snapshot ({context})");
        AssertSame(workload.Model(), workload.Live(), $"the live state ({context})");
        Assert.True(workload.KeysTouched.All(n => n > Growth), $"every table grew during the capture ({context}): {string.Join(", ", workload.KeysTouched)} keys");
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(7, false)]
    [InlineData(1, true)]
    [InlineData(7, true)]
    [InlineData(99, true)]
    public async Task Two_overlapping_snapshots_each_equal_their_own_model(int seed, bool racing)
    {
        using var workload = new CopyOnWriteWorkload(seed, Keys);
        SortedDictionary<string, string> atFirst = workload.Model();
        IReadOnlyList<IKeyedStateSnapshot> first = workload.Backend.Snapshot(1);
        workload.WriteRandom(Writes / 10, newKeys: 0.05); // few new keys: the tables must not grow before the second barrier
        SortedDictionary<string, string> atSecond = workload.Model();
        IReadOnlyList<IKeyedStateSnapshot> second = workload.Backend.Snapshot(2); // before the first's asynchronous part ran

        TaskStateSnapshot firstSnapshot, secondSnapshot;
        if (racing)
        {
            Task<TaskStateSnapshot> one = Task.Run(() => Complete(first, workload.Backend.KeyGroups, 1));
            Task<TaskStateSnapshot> two = Task.Run(() => Complete(second, workload.Backend.KeyGroups, 1));
            workload.WriteRandom(Writes);
            (firstSnapshot, secondSnapshot) = (await one, await two);
        }
        else
        {
            workload.WriteRandom(Writes / 10, newKeys: 0.05);
            secondSnapshot = Complete(second, workload.Backend.KeyGroups, 1); // the later one first
            workload.WriteRandom(Writes / 10, newKeys: 0.05);
            firstSnapshot = Complete(first, workload.Backend.KeyGroups, 1);
            workload.WriteRandom(Writes);
        }

        string context = $"seed {seed}, {(racing ? "racing" : "sequential")}";
        AssertSame(atFirst, CopyOnWriteWorkload.Restored(firstSnapshot), $"the first snapshot ({context})");
        AssertSame(atSecond, CopyOnWriteWorkload.Restored(secondSnapshot), $"the second snapshot ({context})");
        AssertSame(workload.Model(), workload.Live(), $"the live state ({context})");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(11)]
    public async Task A_cancelled_serialize_then_dispose_while_writes_go_on_leaves_the_live_state_intact(int seed)
    {
        using var workload = new CopyOnWriteWorkload(seed, Keys);
        IReadOnlyList<IKeyedStateSnapshot> frozen = workload.Backend.Snapshot(1);
        using var cancellation = new CancellationTokenSource();
        Task serializing = Task.Run(() =>
        {
            foreach (IKeyedStateSnapshot state in frozen)
            {
                state.Serialize(cancellation.Token);
            }
        });
        workload.WriteRandom(Writes / 4);
        await cancellation.CancelAsync();
        workload.WriteRandom(Writes / 4);
        try
        {
            await serializing; // it may have finished before the cancellation
        }
        catch (OperationCanceledException)
        {
        }
        foreach (IKeyedStateSnapshot state in frozen)
        {
            state.Dispose();
        }
        workload.WriteRandom(Writes / 4);

        // A token cancelled before the walk starts stops it at once.
        IReadOnlyList<IKeyedStateSnapshot> cancelled = workload.Backend.Snapshot(2);
        foreach (IKeyedStateSnapshot state in cancelled)
        {
            Assert.ThrowsAny<OperationCanceledException>(() => state.Serialize(cancellation.Token));
            state.Dispose();
        }
        workload.WriteRandom(Writes / 4);

        string context = $"seed {seed}";
        AssertSame(workload.Model(), workload.Live(), $"the live state ({context})");
        SortedDictionary<string, string> atThird = workload.Model();
        AssertSame(atThird, CopyOnWriteWorkload.Restored(Complete(workload.Backend.Snapshot(3), workload.Backend.KeyGroups, 1)),
            $"the next snapshot ({context})");
    }

    [Fact]
    public void A_cancelled_serialize_of_a_final_snapshot_runs_again_in_the_next_checkpoint()
    {
        // A final snapshot (the task ended: no more writes) is written into every later checkpoint; an aborted write
        // cancels its Serialize, and the next checkpoint serializes the same frozen version again.
        using var workload = new CopyOnWriteWorkload(5, 2_000);
        SortedDictionary<string, string> atBarrier = workload.Model();
        IReadOnlyList<IKeyedStateSnapshot> frozen = workload.Backend.Snapshot(1);
        foreach (IKeyedStateSnapshot state in frozen)
        {
            Assert.ThrowsAny<OperationCanceledException>(() => state.Serialize(new CancellationToken(canceled: true)));
        }

        AssertSame(atBarrier, CopyOnWriteWorkload.Restored(Complete(frozen, workload.Backend.KeyGroups, 1)), "the snapshot serialized again (seed 5)");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_value_its_serializer_refuses_fails_the_snapshot_naming_the_state_and_leaves_the_live_state_alone(bool taskThreadSavesIt)
    {
        using IKeyedStateBackend backend = KeyedStateBackends.Create(new StateBackendOptions(), new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism);
        KeyedState<string, long> poisoned = backend.GetOrCreateState(ValueOf("Node.poisoned", new RefusingSerializer()));
        KeyedState<string, long> healthy = backend.GetOrCreateState(ValueOf<long>("Node.healthy"));
        for (int k = 0; k < 1_000; k++)
        {
            poisoned.Value($"key-{k}").Value = k;
            healthy.Value($"key-{k}").Value = k;
        }
        poisoned.Value("key-500").Value = RefusingSerializer.Refused;

        IReadOnlyList<IKeyedStateSnapshot> frozen = backend.Snapshot(1);
        if (taskThreadSavesIt)
        {
            poisoned.Value("key-500").Value = 5; // the task thread saves the refused value before this write
        }
        IKeyedStateSnapshot failing = frozen.Single(s => s.Name == "Node.poisoned");
        var error = Assert.Throws<TaskStateException>(() => failing.Serialize(CancellationToken.None));
        Assert.Contains("'Node.poisoned'", error.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(error.InnerException);
        Assert.Equal(1_000, frozen.Single(s => s.Name == "Node.healthy").Serialize(CancellationToken.None).Sum(b => b.Count));
        foreach (IKeyedStateSnapshot state in frozen)
        {
            state.Dispose();
        }

        long expected = taskThreadSavesIt ? 5 : RefusingSerializer.Refused;
        Assert.Equal(expected, poisoned.Value("key-500").Value);
        Assert.Equal(Enumerable.Range(0, 1_000).ToDictionary(k => $"key-{k}", k => k == 500 ? expected : k), poisoned.Entries());
        poisoned.Value("key-500").Value = 500;
        TaskStateSnapshot next = Complete(backend.Snapshot(2), backend.KeyGroups, 1);
        using IKeyedStateBackend fresh = KeyedStateBackends.Create(new StateBackendOptions(), new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism);
        KeyedState<string, long> restored = fresh.GetOrCreateState(ValueOf("Node.poisoned", new RefusingSerializer()));
        fresh.Restore(RestoredCheckpoint.FromSnapshots(2, [next]));
        Assert.Equal(Enumerable.Range(0, 1_000).ToDictionary(k => $"key-{k}", k => (long)k), restored.Entries());
    }

    private static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual, string what)
    {
        if (expected.Count == actual.Count && expected.SequenceEqual(actual))
        {
            return;
        }
        var differences = expected.Keys.Union(actual.Keys)
            .Where(k => expected.GetValueOrDefault(k) != actual.GetValueOrDefault(k))
            .Take(5)
            .Select(k => $"{k}: expected {expected.GetValueOrDefault(k) ?? "(none)"}, got {actual.GetValueOrDefault(k) ?? "(none)"}");
        Assert.Fail($"{what} differs from its model ({expected.Count} entries expected, {actual.Count} found): {string.Join("; ", differences)}");
    }
}
