using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Heap;
using DslFlow.Hashing;
using DslFlow.Serialization;
using DslFlow.StateBackends.RocksDb;
using DslFlow.Time.Timers;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// RocksDB's incremental checkpoints through real checkpoint storage: SSTs shared between checkpoints (copied once,
/// deleted only when no retained checkpoint lists them), restores that keep the history or rescale, damaged files, and
/// copy failures. Every subtask runs the real backend in its own local folder.
/// </summary>
public sealed class RocksDbIncrementalCheckpointTests : IDisposable
{
    private const string StateName = "Node.count";
    private readonly TempCheckpointDirectory _checkpoints = new();
    private readonly TempCheckpointDirectory _local = new();
    private readonly List<Subtask> _open = [];

    private StateBackendOptions Options => new() { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = _local.Path } };

    private string SharedFolder => Path.Combine(_checkpoints.Path, "shared");

    [Fact]
    public async Task An_unchanged_sst_is_copied_once_and_deleted_only_after_every_checkpoint_listing_it_is_retired()
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path, retainedCheckpoints: 2);
        Subtask subtask = Open(storage, 0, 1);
        subtask.Fill(0, 2_000, value: 1);
        HashSet<string> first = await CheckpointAsync(storage, 1, subtask);
        subtask.Fill(0, 20, value: 2); // 1 % of the keys
        HashSet<string> second = await CheckpointAsync(storage, 2, subtask);

        Assert.NotEmpty(first);
        Assert.Subset(second, first); // every file of checkpoint 1 is still live and listed by 2 under the same name
        Assert.True(second.Count > first.Count, "the changed keys are in a new file");
        Assert.Equal(second.Order(), SharedFiles()); // ... and was copied once: the shared area holds each file once

        ((RocksDbKeyedStateBackend)subtask.Backend).Compact(); // every SST replaced
        HashSet<string> third = await CheckpointAsync(storage, 3, subtask);
        Assert.Empty(third.Intersect(second));
        Assert.All(second, path => Assert.True(File.Exists(Path.Combine(_checkpoints.Path, path)), $"{path} is listed by retained checkpoint 2"));

        HashSet<string> fourth = await CheckpointAsync(storage, 4, subtask); // retires checkpoint 2
        Assert.Equal(third, fourth);
        Assert.Equal(fourth.Order(), SharedFiles());

        using Subtask restored = Open(storage, 0, 1, "restored");
        restored.States.Restore(await LoadAsync(storage, 4));
        Assert.Equal(Expected(0, 2_000, changed: 20), restored.Counts.Entries());
    }

    [Fact]
    public async Task A_restore_with_the_same_key_groups_keeps_the_history_so_the_next_checkpoint_copies_only_new_files()
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path, retainedCheckpoints: 2);
        HashSet<string> first;
        using (Subtask before = Open(storage, 0, 1))
        {
            before.Fill(0, 1_000, value: 1);
            first = await CheckpointAsync(storage, 1, before);
        }

        Subtask after = Open(storage, 0, 1, "after");
        after.States.Restore(await LoadAsync(storage, 1));
        after.Fill(0, 10, value: 2);
        HashSet<string> second = await CheckpointAsync(storage, 2, after);

        Assert.Subset(second, first);
        Assert.Equal(second.Order(), SharedFiles());
        using Subtask check = Open(storage, 0, 1, "check");
        check.States.Restore(await LoadAsync(storage, 2));
        Assert.Equal(Expected(0, 1_000, changed: 10), check.Counts.Entries());
    }

    [Theory]
    [InlineData(2, 3, 128)]
    [InlineData(3, 2, 128)]
    [InlineData(1, 4, 128)]
    [InlineData(4, 1, 128)]
    [InlineData(3, 3, 128)]
    [InlineData(2, 3, 1024)] // two-byte key-group prefixes
    [InlineData(3, 2, 32768)]
    public async Task A_rescaled_restore_holds_exactly_the_key_groups_the_subtask_owns_with_every_value_once(int before, int after,
        int maxParallelism)
    {
        const int Keys = 3_000;
        var storage = new LocalCheckpointStorage(_checkpoints.Path, retainedCheckpoints: 2);
        var old = Enumerable.Range(0, before).Select(s => Open(storage, s, before, maxParallelism: maxParallelism)).ToArray();
        foreach (Subtask subtask in old)
        {
            subtask.Fill(0, Keys, value: 7);
        }
        HashSet<string> written = await CheckpointAsync(storage, 1, old);
        foreach (Subtask subtask in old)
        {
            subtask.Dispose();
        }

        RestoredCheckpoint restored = await LoadAsync(storage, 1);
        var seen = new Dictionary<string, long>();
        var rescaled = Enumerable.Range(0, after).Select(s => Open(storage, s, after, "after", maxParallelism)).ToArray();
        foreach (Subtask subtask in rescaled)
        {
            subtask.States.Restore(restored);
            KeyGroupRange range = subtask.Backend.KeyGroups;
            Assert.All(((RocksDbKeyedStateBackend)subtask.Backend).StoredKeyGroups(StateName), group => Assert.True(range.Contains(group),
                $"subtask {range} stores a row of key group {group}"));
            foreach ((string key, long value) in subtask.Counts.Entries())
            {
                Assert.True(seen.TryAdd(key, value), $"{key} restored twice");
            }
        }
        Assert.Equal(Expected(0, Keys, changed: 0, value: 7), seen);

        HashSet<string> next = await CheckpointAsync(storage, 2, rescaled);
        if (before == after)
        {
            Assert.Subset(next, written); // the same ranges: nothing new to copy
        }
        else
        {
            Assert.Empty(next.Intersect(written)); // a rescaled database writes its own files
        }
    }

    [Theory]
    [InlineData(1, 1, 128)]
    [InlineData(2, 3, 128)]
    [InlineData(3, 2, 1024)] // two-byte key-group prefixes
    public async Task Timers_ride_in_the_native_checkpoint_and_a_rescaled_restore_fires_each_once_in_the_subtask_owning_it(int before,
        int after, int maxParallelism)
    {
        const int Keys = 2_000;
        var storage = new LocalCheckpointStorage(_checkpoints.Path, retainedCheckpoints: 2);
        var expected = new List<(string Key, long Time)>();
        var old = Enumerable.Range(0, before).Select(s => Open(storage, s, before, maxParallelism: maxParallelism)).ToArray();
        foreach (Subtask subtask in old)
        {
            IKeyedTimerQueue<string> timers = subtask.States.CreateTimerQueue<string>(TimersName, StringSerializer.Instance!);
            for (int i = 0; i < Keys; i++)
            {
                string key = $"key-{i}";
                int hash = StableHash.Of(key);
                if (subtask.Backend.KeyGroups.Contains(KeyGroups.Assign(hash, maxParallelism)))
                {
                    timers.Register(key, hash, i % 50 - 25);
                    timers.Register(key, hash, 1_000 + i);
                    timers.Delete(key, hash, 1_000 + i - i % 2); // every other one deleted again
                    expected.Add((key, i % 50 - 25));
                    if (i % 2 == 1)
                    {
                        expected.Add((key, 1_000 + i));
                    }
                }
            }
            ((RocksDbKeyedStateBackend)subtask.Backend).Flush(); // the timers go out as SST files, not only the memtable
        }
        await CheckpointAsync(storage, 1, old);
        foreach (Subtask subtask in old)
        {
            subtask.Dispose();
        }

        RestoredCheckpoint restored = await LoadAsync(storage, 1);
        var fired = new List<(string Key, long Time)>();
        foreach (Subtask subtask in Enumerable.Range(0, after).Select(s => Open(storage, s, after, "after", maxParallelism)))
        {
            IKeyedTimerQueue<string> timers = subtask.States.CreateTimerQueue<string>(TimersName, StringSerializer.Instance!);
            subtask.States.Restore(restored);
            KeyGroupRange range = subtask.Backend.KeyGroups;
            Assert.All(((RocksDbKeyedStateBackend)subtask.Backend).StoredKeyGroups(TimersName), group => Assert.True(range.Contains(group),
                $"subtask {range} stores a timer of key group {group}"));
            int pending = timers.Count;
            long? previous = null;
            while (timers.TryTakeDue(long.MaxValue, out string key, out int hash, out long time))
            {
                Assert.Equal(StableHash.Of(key), hash);
                Assert.True(range.Contains(KeyGroups.Assign(hash, maxParallelism)), $"{key} fired in subtask {range}");
                Assert.True(previous is null || previous <= time, $"{key}@{time} after a timer at {previous}");
                previous = time;
                fired.Add((key, time));
            }
            Assert.Equal(pending, fired.Count(f => range.Contains(KeyGroups.Assign(StableHash.Of(f.Key), maxParallelism))));
        }
        Assert.Equal(expected.Order(), fired.Order());
    }

    [Fact]
    public async Task Timers_that_an_older_checkpoint_kept_beside_the_native_part_are_restored_into_the_rocksdb_queue()
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path, retainedCheckpoints: 2);
        Subtask old = Open(storage, 0, 1);
        old.Fill(0, 100, value: 3);
        using var heap = new HeapKeyedStateBackend(new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism); // how timers were kept before they moved into backends
        IKeyedTimerQueue<string> legacy = heap.GetOrCreateTimerQueue(new TimerQueueDescriptor<string>(TimersName, StringSerializer.Instance!));
        for (int i = 0; i < 100; i++)
        {
            legacy.Register($"key-{i}", StableHash.Of($"key-{i}"), 500 - i);
        }
        IKeyedSnapshotPart part = ((INativeSnapshotBackend)old.Backend).SnapshotNative(1, RestoredCheckpoint.NativeName("Node"))!;
        using (var snapshot = new TaskSnapshot(0, 1, MaxParallelism, [], heap.Snapshot(1), part))
        {
            IReadOnlyList<StateHandle> handles = await snapshot.WriteAsync(storage, 1, "Node-0.state", CancellationToken.None);
            await storage.CompleteCheckpointAsync(new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
                new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("Node", 0)] = handles }));
        }
        old.Dispose();

        Subtask restored = Open(storage, 0, 1, "after");
        IKeyedTimerQueue<string> timers = restored.States.CreateTimerQueue<string>(TimersName, StringSerializer.Instance!);
        restored.States.Restore(await LoadAsync(storage, 1));

        Assert.Equal(100, timers.Count);
        Assert.Equal(Expected(0, 100, changed: 0, value: 3), restored.Counts.Entries());
        var fired = new List<(string, long)>();
        while (timers.TryTakeDue(long.MaxValue, out string key, out _, out long time))
        {
            fired.Add((key, time));
        }
        Assert.Equal(Enumerable.Range(0, 100).Select(i => ($"key-{99 - i}", 401L + i)), fired); // in time order
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_damaged_or_missing_sst_fails_the_restore_as_a_damaged_checkpoint_naming_the_file(bool missing)
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path);
        using (Subtask subtask = Open(storage, 0, 1))
        {
            subtask.Fill(0, 500, value: 1);
            await CheckpointAsync(storage, 1, subtask);
        }
        RestoredCheckpoint restored = await LoadAsync(storage, 1);
        string victim = SharedFiles().First();
        string path = Path.Combine(_checkpoints.Path, victim);
        if (missing)
        {
            File.Delete(path);
        }
        else
        {
            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x5A;
            File.WriteAllBytes(path, bytes);
        }

        using Subtask fresh = Open(storage, 0, 1, "fresh");
        var error = Assert.Throws<CheckpointCorruptedException>(() => fresh.States.Restore(restored));
        Assert.Equal(victim, error.FilePath);
        Assert.Null(await storage.LoadLatestAsync()); // recovery would skip this checkpoint too: its shared file fails validation
    }

    [Fact]
    public async Task A_failed_copy_is_an_io_failure_of_that_checkpoint_and_the_next_one_copies_again()
    {
        bool full = true;
        var storage = new LocalCheckpointStorage(_checkpoints.Path)
        {
            FaultInjector = (step, _) =>
            {
                if (full && step == "shared.write")
                {
                    throw new IOException("No space left on device");
                }
            },
        };
        Subtask subtask = Open(storage, 0, 1);
        subtask.Fill(0, 500, value: 3);
        using (TaskSnapshot snapshot = subtask.States.Snapshot(1, _ => { }))
        {
            // An IOException, not a TaskStateException: the coordinator declines the checkpoint as a storage failure
            // (counted against TolerableFailedCheckpoints) instead of failing the task.
            await Assert.ThrowsAsync<IOException>(() => snapshot.WriteAsync(storage, 1, "Node-0.state", CancellationToken.None));
        }
        storage.AbortCheckpoint(1);
        subtask.States.NotifyCheckpointAborted(1);

        full = false;
        await CheckpointAsync(storage, 2, subtask);
        using Subtask restored = Open(storage, 0, 1, "restored");
        restored.States.Restore(await LoadAsync(storage, 2));
        Assert.Equal(Expected(0, 500, changed: 0, value: 3), restored.Counts.Entries());
    }

    [Fact]
    public async Task A_native_checkpoint_restored_into_the_heap_is_refused_with_the_way_to_switch()
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path);
        using (Subtask subtask = Open(storage, 0, 1))
        {
            subtask.Fill(0, 100, value: 1);
            await CheckpointAsync(storage, 1, subtask);
        }
        using IKeyedStateBackend heap = KeyedStateBackends.Create(new StateBackendOptions(), new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism);
        heap.GetOrCreateState(ValueOf<long>(StateName));
        var states = new TaskStates("Node", heap, new StateBackendOptions(), 0, 1, MaxParallelism, storage);

        var error = Assert.Throws<JobConfigurationException>(() => states.Restore(LoadAsync(storage, 1).GetAwaiter().GetResult()));
        Assert.Contains("IncrementalCheckpoints = false", error.Message);
    }

    [Fact]
    public async Task A_native_checkpoint_with_a_state_the_job_no_longer_declares_is_refused_before_anything_is_opened()
    {
        var storage = new LocalCheckpointStorage(_checkpoints.Path);
        using (Subtask subtask = Open(storage, 0, 1))
        {
            subtask.Fill(0, 100, value: 1);
            await CheckpointAsync(storage, 1, subtask);
        }
        using IKeyedStateBackend backend = KeyedStateBackends.Create(Options, new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism, "job/Renamed-0");
        backend.GetOrCreateState(ValueOf<long>("Node.renamed"));
        var states = new TaskStates("Node", backend, Options, 0, 1, MaxParallelism, storage);

        var error = Assert.Throws<JobConfigurationException>(() => states.Restore(LoadAsync(storage, 1).GetAwaiter().GetResult()));
        Assert.Contains("'Node.count'", error.Message);
        Assert.Contains("AllowNonRestoredState", error.Message);
    }

    private const string TimersName = "Node.$timers.event";

    private static Dictionary<string, long> Expected(int from, int count, int changed, long value = 1) =>
        Enumerable.Range(from, count).ToDictionary(i => $"key-{i}", i => i - from < changed ? 2L : value);

    private IEnumerable<string> SharedFiles() => Directory.Exists(SharedFolder)
        ? Directory.EnumerateFiles(SharedFolder).Select(f => "shared/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)
        : [];

    private Subtask Open(LocalCheckpointStorage storage, int index, int parallelism, string attempt = "first",
        int maxParallelism = MaxParallelism)
    {
        KeyGroupRange range = KeyGroups.RangeOf(index, parallelism, maxParallelism);
        IKeyedStateBackend backend = KeyedStateBackends.Create(Options, range, maxParallelism, $"job-{attempt}/Node-{index}");
        var subtask = new Subtask(index, backend, backend.GetOrCreateState(ValueOf<long>(StateName)),
            new TaskStates("Node", backend, Options, index, parallelism, maxParallelism, storage), maxParallelism);
        _open.Add(subtask);
        return subtask;
    }

    /// <summary>Takes and completes checkpoint <paramref name="id"/> of every subtask and returns the shared files it lists.</summary>
    private static async Task<HashSet<string>> CheckpointAsync(LocalCheckpointStorage storage, long id, params Subtask[] subtasks)
    {
        var states = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        foreach (Subtask subtask in subtasks)
        {
            using TaskSnapshot snapshot = subtask.States.Snapshot(id, _ => { });
            states[new("Node", subtask.Index)] = await snapshot.WriteAsync(storage, id, $"Node-{subtask.Index}.state", CancellationToken.None);
        }
        await storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, states));
        foreach (Subtask subtask in subtasks)
        {
            subtask.States.NotifyCheckpointComplete(id);
        }
        return [.. states.Values.SelectMany(h => h).Select(h => h.RelativePath).Where(p => p.StartsWith("shared/", StringComparison.Ordinal))];
    }

    private static async Task<RestoredCheckpoint> LoadAsync(LocalCheckpointStorage storage, long id) =>
        await RestoredCheckpoint.LoadAsync(storage, (await storage.LoadCheckpointAsync(id))!, CancellationToken.None);

    public void Dispose()
    {
        foreach (Subtask subtask in _open)
        {
            subtask.Dispose();
        }
        _checkpoints.Dispose();
        _local.Dispose();
    }

    private sealed record Subtask(int Index, IKeyedStateBackend Backend, KeyedState<string, long> Counts, TaskStates States,
        int MaxParallelism) : IDisposable
    {
        /// <summary>Sets keys <c>key-{from}</c>… that this subtask owns to <paramref name="value"/>.</summary>
        public void Fill(int from, int count, long value)
        {
            for (int i = from; i < from + count; i++)
            {
                string key = $"key-{i}";
                int hash = StableHash.Of(key);
                int group = KeyGroups.Assign(hash, MaxParallelism);
                if (Backend.KeyGroups.Contains(group))
                {
                    var facade = new ValueState<long>();
                    facade.Bind(Counts);
                    facade.Slot = Counts.Slot(key, hash, group);
                    facade.Value = value;
                }
            }
        }

        public void Dispose() => Backend.Dispose();
    }
}
