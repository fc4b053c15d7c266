using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// The behaviour every keyed state backend owes (Flink's <c>StateBackendTestBase</c>), written once against
/// <see cref="IKeyedStateBackend"/> and the facades generated code uses; each backend runs it through a subclass that
/// only says how to create one.
/// </summary>
public abstract partial class KeyedStateBackendTestBase
{
    private protected static readonly KeyGroupRange All = new(0, MaxParallelism - 1);

    /// <summary>The options the backend under test was created with (asynchronous snapshots or not).</summary>
    private protected virtual StateBackendOptions Options { get; } = new();

    /// <summary>A new, empty backend for a subtask owning <paramref name="range"/>.</summary>
    private protected abstract IKeyedStateBackend CreateBackend(KeyGroupRange range, int maxParallelism);

    private IKeyedStateBackend CreateBackend(KeyGroupRange range) => CreateBackend(range, MaxParallelism);

    /// <summary>The synchronous part as a task takes it: with asynchronous snapshots off it serializes right away.</summary>
    private IReadOnlyList<IKeyedStateSnapshot> SynchronousPart(IKeyedStateBackend backend, long checkpointId)
    {
        IReadOnlyList<IKeyedStateSnapshot> snapshots = backend.Snapshot(checkpointId);
        if (!Options.AsynchronousSnapshots)
        {
            foreach (IKeyedStateSnapshot snapshot in snapshots)
            {
                snapshot.Serialize(CancellationToken.None);
            }
        }
        return snapshots;
    }

    private TaskStateSnapshot Checkpoint(IKeyedStateBackend backend, int parallelism, long checkpointId = 1) =>
        Complete(SynchronousPart(backend, checkpointId), backend.KeyGroups, parallelism);

    [Fact]
    public void Value_state_gets_sets_and_clears_per_key()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        KeyedState<string, long> state = backend.GetOrCreateState(ValueOf<long>("Node.count"));

        Assert.False(state.Value("a").HasValue);
        Assert.Equal(0, state.Value("a").Value);
        state.Value("a").Value = 5;
        state.Value("b").Value = 0; // a default value set is still a value
        Assert.True(state.Value("a").HasValue);
        Assert.Equal(5, state.Value("a").Value);
        Assert.True(state.Value("b").HasValue);
        state.Value("a").Value = 6;
        Assert.Equal(6, state.Value("a").Value);
        state.Value("a").Clear();
        Assert.False(state.Value("a").HasValue);
        Assert.Equal(0, state.Value("a").Value);
        Assert.Equal(new Dictionary<string, long> { ["b"] = 0 }, state.Entries());
        Assert.Equal(1, state.Count);
    }

    [Fact]
    public void List_state_adds_updates_and_clears_per_key()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        KeyedState<string, ListCell<int>> state = backend.GetOrCreateState(ListOf<int>("Node.items"));

        Assert.Empty(state.List("a").Items);
        state.List("a").Add(1);
        state.List("a").AddRange([2, 3]);
        Assert.Equal([1, 2, 3], state.List("a").Items);
        state.List("a").Update([9, 8]);
        Assert.Equal([9, 8], state.List("a").Items);
        state.List("a").Update(state.List("a").Items.Reverse()); // an update from the list itself
        Assert.Equal([8, 9], state.List("a").Items);
        state.List("a").Clear();
        Assert.Equal(0, state.List("a").Count);
        Assert.Equal(0, state.Count);
    }

    [Fact]
    public void Map_state_puts_removes_and_answers_contains_per_key()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        KeyedState<string, MapCell<string, int>> state = backend.GetOrCreateState(MapOf<string, int>("Node.map"));

        MapState<string, int> a = state.Map("a");
        Assert.False(a.ContainsKey("x"));
        a["x"] = 1;
        a["y"] = 2;
        state.Map("a")["x"] = 10;
        Assert.True(state.Map("a").ContainsKey("x"));
        Assert.Equal(10, state.Map("a")["x"]);
        Assert.True(state.Map("a").Remove("y"));
        Assert.False(state.Map("a").Remove("y"));
        Assert.False(state.Map("a").TryGetValue("y", out _));
        Assert.Equal(["x"], state.Map("a").Keys);
        state.Map("a").Clear();
        Assert.Equal(0, state.Map("a").Count);
        Assert.Equal(0, state.Count);
    }

    [Fact]
    public void Keys_are_isolated_from_each_other()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        KeyedState<string, long> values = backend.GetOrCreateState(ValueOf<long>("Node.count"));
        KeyedState<string, ListCell<int>> lists = backend.GetOrCreateState(ListOf<int>("Node.items"));
        KeyedState<string, MapCell<int, int>> maps = backend.GetOrCreateState(MapOf<int, int>("Node.map"));
        string[] keys = [.. Enumerable.Range(0, 500).Select(k => $"key-{k}")];

        foreach ((string key, int k) in keys.Select((key, k) => (key, k)))
        {
            values.Value(key).Value = k;
            lists.List(key).AddRange(Enumerable.Repeat(k, k % 4 + 1));
            maps.Map(key)[k] = -k;
        }
        values.Value(keys[7]).Clear();
        lists.List(keys[8]).Clear();
        maps.Map(keys[9]).Clear();

        foreach ((string key, int k) in keys.Select((key, k) => (key, k)))
        {
            Assert.Equal(k != 7, values.Value(key).HasValue);
            Assert.Equal(k == 7 ? 0 : k, values.Value(key).Value);
            Assert.Equal(k == 8 ? [] : Enumerable.Repeat(k, k % 4 + 1), lists.List(key).Items);
            Assert.Equal(k == 9 ? [] : [new KeyValuePair<int, int>(k, -k)], maps.Map(key).Entries);
        }
    }

    [Fact]
    public void States_are_isolated_from_each_other()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        KeyedState<string, long> first = backend.GetOrCreateState(ValueOf<long>("Node.first"));
        KeyedState<string, long> second = backend.GetOrCreateState(ValueOf<long>("Node.second"));

        first.Value("a").Value = 1;
        second.Value("a").Value = 2;
        second.Value("b").Value = 3;
        first.Value("a").Clear();

        Assert.Empty(first.Entries());
        Assert.Equal(new Dictionary<string, long> { ["a"] = 2, ["b"] = 3 }, second.Entries());
        Assert.Equal([("Node.first", "ValueState<long> keyed by string"), ("Node.second", "ValueState<long> keyed by string")],
            backend.States);
        Assert.Same(first, backend.GetOrCreateState(ValueOf<long>("Node.first"))); // the same declaration, the same state
    }

    [Fact]
    public async Task A_snapshot_written_to_checkpoint_storage_restores_into_a_fresh_backend()
    {
        using var directory = new TempCheckpointDirectory();
        var storage = new LocalCheckpointStorage(directory.Path);
        IReadOnlyList<StateHandle> handles; // the state file, and the shared files of a backend that writes its own (RocksDB's SSTs)
        using (IKeyedStateBackend backend = CreateBackend(All))
        {
            Fill(backend, 300);
            var states = new TaskStates("Node", backend, Options, 0, 1, MaxParallelism, storage);
            using TaskSnapshot snapshot = states.Snapshot(1, _ => { });
            handles = await snapshot.WriteAsync(storage, 1, "Node-0.state", CancellationToken.None);
        }
        await storage.CompleteCheckpointAsync(new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("Node", 0)] = handles }));
        CheckpointMetadata metadata = (await storage.LoadAndVerifyAsync(1, CancellationToken.None))!;
        RestoredCheckpoint restored = await RestoredCheckpoint.LoadAsync(storage, metadata, CancellationToken.None);

        using IKeyedStateBackend fresh = CreateBackend(All);
        var (values, lists, maps) = Declare(fresh);
        new TaskStates("Node", fresh, Options, 0, 1, MaxParallelism, storage).Restore(restored);

        Assert.Equal(Expected(300).Values, values.Entries());
        Assert.Equal(Expected(300).Lists, lists.Entries().ToDictionary(e => e.Key, e => e.Value.Items));
        Assert.Equal(Expected(300).Maps, maps.Entries().ToDictionary(e => e.Key, e => e.Value.Entries));
    }

    [Theory]
    [InlineData(2, 3)]
    [InlineData(3, 2)]
    [InlineData(1, 4)]
    [InlineData(4, 1)]
    public void A_rescaled_restore_puts_every_key_exactly_once_into_the_subtask_owning_its_key_group(int oldParallelism, int newParallelism)
    {
        const int Keys = 2_000;
        var snapshots = new List<TaskStateSnapshot>();
        for (int s = 0; s < oldParallelism; s++)
        {
            using IKeyedStateBackend backend = CreateBackend(KeyGroups.RangeOf(s, oldParallelism, MaxParallelism));
            Fill(backend, Keys);
            snapshots.Add(Checkpoint(backend, oldParallelism));
        }
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, snapshots);

        var values = new Dictionary<string, long>();
        var lists = new Dictionary<string, List<int>>();
        var maps = new Dictionary<string, Dictionary<int, int>>();
        for (int s = 0; s < newParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, newParallelism, MaxParallelism);
            using IKeyedStateBackend backend = CreateBackend(range);
            var (v, l, m) = Declare(backend);
            backend.Restore(restored);
            foreach (var (key, value) in v.Entries())
            {
                Assert.True(range.Contains(GroupOf(key)), $"{key} of key group {GroupOf(key)} restored into subtask {s} owning {range}");
                Assert.True(values.TryAdd(key, value), $"{key} restored twice");
            }
            foreach (var (key, cell) in l.Entries())
            {
                Assert.True(range.Contains(GroupOf(key)), $"{key} restored into subtask {s} owning {range}");
                Assert.True(lists.TryAdd(key, cell.Items), $"{key} restored twice");
            }
            foreach (var (key, cell) in m.Entries())
            {
                Assert.True(range.Contains(GroupOf(key)), $"{key} restored into subtask {s} owning {range}");
                Assert.True(maps.TryAdd(key, cell.Entries), $"{key} restored twice");
            }
        }
        var expected = Expected(Keys);
        Assert.Equal(expected.Values, values);
        Assert.Equal(expected.Lists, lists);
        Assert.Equal(expected.Maps, maps);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Checkpoints_are_in_the_common_format_so_a_job_can_switch_between_this_backend_and_the_heap(bool toHeap)
    {
        const int Keys = 1_000;
        var heap = new StateBackendOptions();
        var snapshots = new List<TaskStateSnapshot>();
        for (int s = 0; s < 2; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 2, MaxParallelism);
            using IKeyedStateBackend backend = toHeap ? CreateBackend(range) : KeyedStateBackends.Create(heap, range, MaxParallelism);
            Fill(backend, Keys);
            snapshots.Add(Checkpoint(backend, 2));
        }
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, snapshots);

        var values = new Dictionary<string, long>();
        var lists = new Dictionary<string, List<int>>();
        var maps = new Dictionary<string, Dictionary<int, int>>();
        for (int s = 0; s < 3; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 3, MaxParallelism);
            using IKeyedStateBackend backend = toHeap ? KeyedStateBackends.Create(heap, range, MaxParallelism) : CreateBackend(range);
            var (v, l, m) = Declare(backend);
            new TaskStates("Node", backend, heap, s, 3, MaxParallelism).Restore(restored);
            foreach (var (key, value) in v.Entries())
            {
                values.Add(key, value);
            }
            foreach (var (key, cell) in l.Entries())
            {
                lists.Add(key, cell.Items);
            }
            foreach (var (key, cell) in m.Entries())
            {
                maps.Add(key, cell.Entries);
            }
        }
        var expected = Expected(Keys);
        Assert.Equal(expected.Values, values);
        Assert.Equal(expected.Lists, lists);
        Assert.Equal(expected.Maps, maps);
    }

    [Fact]
    public void Empty_cells_and_cleared_values_are_left_out_of_snapshots()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        var (values, lists, maps) = Declare(backend);
        values.Value("kept").Value = 1;
        values.Value("cleared").Value = 2;
        values.Value("cleared").Clear();
        _ = values.Value("read only").Value;
        lists.List("kept").Add(1);
        lists.List("emptied").Add(2);
        lists.List("emptied").Clear();
        _ = lists.List("never written").Items;
        maps.Map("kept")[1] = 1;
        maps.Map("emptied")[2] = 2;
        maps.Map("emptied").Remove(2);
        _ = maps.Map("never written").Count;

        TaskStateSnapshot snapshot = Checkpoint(backend, 1);

        Assert.Equal(1, EntryCount(snapshot, "Node.count"));
        Assert.Equal(1, EntryCount(snapshot, "Node.items"));
        Assert.Equal(1, EntryCount(snapshot, "Node.map"));
        using IKeyedStateBackend fresh = CreateBackend(All);
        var (v, l, m) = Declare(fresh);
        fresh.Restore(RestoredCheckpoint.FromSnapshots(1, [snapshot]));
        Assert.Equal(["kept"], v.Entries().Keys);
        Assert.Equal(["kept"], l.Entries().Keys);
        Assert.Equal(["kept"], m.Entries().Keys);
    }

    [Fact]
    public void Declaring_a_name_twice_with_another_type_is_refused_naming_the_state()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        backend.GetOrCreateState(ValueOf<long>("Node.count"));

        var asInt = Assert.Throws<InvalidOperationException>(() => backend.GetOrCreateState(ValueOf<int>("Node.count")));
        var asList = Assert.Throws<InvalidOperationException>(() => backend.GetOrCreateState(ListOf<long>("Node.count")));

        Assert.Contains("'Node.count'", asInt.Message, StringComparison.Ordinal);
        Assert.Contains("ValueState<long>", asInt.Message, StringComparison.Ordinal);
        Assert.Contains("ValueState<int>", asInt.Message, StringComparison.Ordinal);
        Assert.Contains("'Node.count'", asList.Message, StringComparison.Ordinal);
        Assert.Single(backend.States);
    }

    [Fact]
    public void A_key_of_a_key_group_the_subtask_does_not_own_is_rejected_with_an_explanation()
    {
        KeyGroupRange range = KeyGroups.RangeOf(0, 2, MaxParallelism);
        using IKeyedStateBackend backend = CreateBackend(range);
        KeyedState<string, long> state = backend.GetOrCreateState(ValueOf<long>("Node.count"));
        string foreign = Enumerable.Range(0, 100).Select(k => $"key-{k}").First(k => !range.Contains(GroupOf(k)));

        var error = Assert.Throws<InvalidOperationException>(() => state.Value(foreign));

        Assert.Contains("'Node.count'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{foreign}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"key group {GroupOf(foreign)}", error.Message, StringComparison.Ordinal);
        Assert.Contains(range.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(state.Entries());
    }

    [Fact]
    public void Restoring_a_state_whose_descriptor_changed_is_refused_naming_both_declarations()
    {
        using IKeyedStateBackend old = CreateBackend(All);
        old.GetOrCreateState(ValueOf<long>("Node.count")).Value("a").Value = 1;
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(4, [Checkpoint(old, 1)]);

        using IKeyedStateBackend changed = CreateBackend(All);
        changed.GetOrCreateState(ValueOf<int>("Node.count"));
        (string name, string descriptor) = Assert.Single(changed.States);
        var error = Assert.Throws<JobConfigurationException>(() => restored.CheckDescriptor(name, descriptor));

        Assert.Contains("Checkpoint 4", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Node.count' as ValueState<long> keyed by string", error.Message, StringComparison.Ordinal);
        Assert.Contains("declares it as ValueState<int> keyed by string", error.Message, StringComparison.Ordinal);
        // The task-level restore checks before it fills anything.
        Assert.Throws<JobConfigurationException>(() => new TaskStates("Node", changed, Options, 0, 1, MaxParallelism).Restore(restored));
    }

    [Fact]
    public void Writes_after_the_synchronous_part_never_show_in_the_snapshot()
    {
        using IKeyedStateBackend backend = CreateBackend(All);
        var (values, lists, maps) = Declare(backend);
        Fill(backend, 100);
        var expected = Expected(100);

        IReadOnlyList<IKeyedStateSnapshot> frozen = SynchronousPart(backend, 1);
        for (int k = 0; k < 100; k += 3)
        {
            string key = $"key-{k}";
            values.Value(key).Value = -1;
            values.Value($"key-{k + 1}").Clear();
            lists.List(key).Add(-1);
            lists.List($"key-{k + 1}").Clear();
            maps.Map(key)[-1] = -1;
            maps.Map($"key-{k + 1}").Clear();
        }
        for (int k = 100; k < 400; k++) // new keys, enough for a table to grow
        {
            values.Value($"key-{k}").Value = k;
            lists.List($"key-{k}").Add(k);
            maps.Map($"key-{k}")[k] = k;
        }
        TaskStateSnapshot snapshot = Complete(frozen, All, 1);

        using IKeyedStateBackend fresh = CreateBackend(All);
        var (v, l, m) = Declare(fresh);
        fresh.Restore(RestoredCheckpoint.FromSnapshots(1, [snapshot]));
        Assert.Equal(expected.Values, v.Entries());
        Assert.Equal(expected.Lists, l.Entries().ToDictionary(e => e.Key, e => e.Value.Items));
        Assert.Equal(expected.Maps, m.Entries().ToDictionary(e => e.Key, e => e.Value.Entries));
        Assert.Equal(100, EntryCount(snapshot, "Node.count"));
        Assert.Equal(-1, values.Value("key-0").Value); // and the live state has the writes
        Assert.Equal(399, values.Value("key-399").Value);
    }

    private static (KeyedState<string, long> Values, KeyedState<string, ListCell<int>> Lists, KeyedState<string, MapCell<int, int>> Maps) Declare(IKeyedStateBackend backend) =>
        (backend.GetOrCreateState(ValueOf<long>("Node.count")), backend.GetOrCreateState(ListOf<int>("Node.items")),
            backend.GetOrCreateState(MapOf<int, int>("Node.map")));

    /// <summary>Writes <see cref="Expected"/>'s keys that the backend owns into its three states.</summary>
    private static void Fill(IKeyedStateBackend backend, int keys)
    {
        var (values, lists, maps) = Declare(backend);
        for (int k = 0; k < keys; k++)
        {
            string key = $"key-{k}";
            if (backend.KeyGroups.Contains(GroupOf(key)))
            {
                values.Value(key).Value = k * 10L;
                lists.List(key).AddRange(Enumerable.Range(k, k % 3 + 1));
                maps.Map(key)[k] = k % 7;
                maps.Map(key)[-k - 1] = k;
            }
        }
    }

    private static (Dictionary<string, long> Values, Dictionary<string, List<int>> Lists, Dictionary<string, Dictionary<int, int>> Maps) Expected(int keys)
    {
        string[] names = [.. Enumerable.Range(0, keys).Select(k => $"key-{k}")];
        return (names.Select((n, k) => (n, k)).ToDictionary(e => e.n, e => e.k * 10L),
            names.Select((n, k) => (n, k)).ToDictionary(e => e.n, e => Enumerable.Range(e.k, e.k % 3 + 1).ToList()),
            names.Select((n, k) => (n, k)).ToDictionary(e => e.n, e => new Dictionary<int, int> { [e.k] = e.k % 7, [-e.k - 1] = e.k }));
    }
}
