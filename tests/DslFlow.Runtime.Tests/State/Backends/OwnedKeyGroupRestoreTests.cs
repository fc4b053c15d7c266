using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// A restore seeks to the key groups it owns: from real state files in <see cref="LocalCheckpointStorage"/>, a subtask
/// reads exactly its blocks (their lengths in the files' indexes) and nothing else, and a damaged block fails only the
/// subtask that owns it.
/// </summary>
public sealed class OwnedKeyGroupRestoreTests : IDisposable
{
    private const int OldParallelism = 2;
    private const int NewParallelism = 4;
    private const int Keys = 20_000;
    private static readonly string[] States = ["Node.count", "Node.items"];
    private readonly TempCheckpointDirectory _directory = new();

    [Fact]
    public async Task A_subtask_reads_exactly_the_blocks_of_its_key_groups_and_nothing_else()
    {
        var (storage, handles) = await WriteCheckpointAsync();
        RestoredCheckpoint restored = await LoadAsync(storage);
        List<StateFileIndex> indexes = handles.Select(h => StateFileReader.Open(h.Length, (o, d) => storage.ReadStateRange(h, o, d)).Index).ToList();
        long total = handles.Sum(h => h.Length);

        var seen = new HashSet<string>();
        for (int s = 0; s < NewParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, NewParallelism, MaxParallelism);
            using IKeyedStateBackend backend = KeyedStateBackends.Create(new StateBackendOptions(), range, MaxParallelism);
            var (count, items) = Declare(backend);
            long before = storage.BytesRead;
            backend.Restore(restored);
            long read = storage.BytesRead - before;

            long owned = indexes.SelectMany(i => i.Sections).Where(section => States.Contains(section.Name))
                .SelectMany(section => section.Blocks).Where(b => range.Contains(b.KeyGroup)).Sum(b => (long)b.Length);
            Assert.Equal(owned, read);
            Assert.True(read * 3 < total, $"subtask {s} read {read} of the files' {total} bytes");
            Dictionary<string, long> values = count.Entries();
            Assert.Equal(Enumerable.Range(0, Keys).Select(k => $"key-{k}").Where(k => range.Contains(GroupOf(k))).Order(StringComparer.Ordinal),
                values.Keys.Order(StringComparer.Ordinal));
            Assert.All(values, e => Assert.Equal(Value(e.Key), e.Value));
            Assert.All(items.Entries(), e => Assert.Equal([(int)Value(e.Key)], e.Value.Items));
            seen.UnionWith(values.Keys);
        }
        Assert.Equal(Keys, seen.Count);
    }

    [Fact]
    public async Task A_damaged_block_fails_the_restore_of_the_subtask_owning_its_key_group_only()
    {
        var (storage, handles) = await WriteCheckpointAsync();
        RestoredCheckpoint restored = await LoadAsync(storage); // the files are verified whole here, before the damage
        KeyGroupRange victim = KeyGroups.RangeOf(1, NewParallelism, MaxParallelism);
        StateHandle file = handles[KeyGroups.SubtaskOf(victim.Start, OldParallelism, MaxParallelism)];
        StateSection section = StateFileReader.Open(file.Length, (o, d) => storage.ReadStateRange(file, o, d)).Index.Sections.Single(s => s.Name == "Node.count");
        BlockLocation block = section.Blocks.First(b => victim.Contains(b.KeyGroup) && b.KeyGroup > victim.Start);
        string path = Path.Combine(storage.RootDirectory, file.RelativePath);
        byte[] bytes = await File.ReadAllBytesAsync(path);
        bytes[CheckpointFileFormat.HeaderLength + block.Offset + block.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bytes);

        using (IKeyedStateBackend owner = KeyedStateBackends.Create(new StateBackendOptions(), victim, MaxParallelism))
        {
            Declare(owner);
            var error = Assert.Throws<TaskStateException>(() => owner.Restore(restored));
            Assert.Contains("keyed state 'Node.count'", error.Message, StringComparison.Ordinal);
            Assert.Contains("checkpoint 1", error.Message, StringComparison.Ordinal);
            var cause = Assert.IsType<StateFormatException>(error.InnerException);
            Assert.Contains($"key group {block.KeyGroup} of state 'Node.count' fails its checksum", cause.Message, StringComparison.Ordinal);
        }
        foreach (int subtask in new[] { 0, 2, 3 }) // 0 reads the damaged file, but not the damaged block
        {
            KeyGroupRange range = KeyGroups.RangeOf(subtask, NewParallelism, MaxParallelism);
            using IKeyedStateBackend backend = KeyedStateBackends.Create(new StateBackendOptions(), range, MaxParallelism);
            var (count, _) = Declare(backend);
            backend.Restore(restored);
            Assert.Equal(Enumerable.Range(0, Keys).Count(k => range.Contains(GroupOf($"key-{k}"))), count.Count);
        }
    }

    public void Dispose() => _directory.Dispose();

    private static long Value(string key) => long.Parse(key["key-".Length..], System.Globalization.CultureInfo.InvariantCulture) * 3;

    private static (KeyedState<string, long> Count, KeyedState<string, ListCell<int>> Items) Declare(IKeyedStateBackend backend) =>
        (backend.GetOrCreateState(ValueOf<long>(States[0])), backend.GetOrCreateState(ListOf<int>(States[1])));

    /// <summary>Checkpoint 1 of <see cref="OldParallelism"/> subtasks, each writing its keys into a real state file.</summary>
    private async Task<(LocalCheckpointStorage Storage, List<StateHandle> Handles)> WriteCheckpointAsync()
    {
        var storage = new LocalCheckpointStorage(_directory.Path);
        var handles = new List<StateHandle>();
        for (int s = 0; s < OldParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, OldParallelism, MaxParallelism);
            using IKeyedStateBackend backend = KeyedStateBackends.Create(new StateBackendOptions(), range, MaxParallelism);
            var (count, items) = Declare(backend);
            foreach (string key in Enumerable.Range(0, Keys).Select(k => $"key-{k}").Where(k => range.Contains(GroupOf(k))))
            {
                count.Value(key).Value = Value(key);
                items.List(key).Add((int)Value(key));
            }
            using TaskSnapshot snapshot = new TaskStates("Node", backend, new StateBackendOptions(), s, OldParallelism, MaxParallelism).Snapshot(1, _ => { });
            handles.AddRange(await snapshot.WriteAsync(storage, 1, $"Node-{s}.state", CancellationToken.None));
        }
        await storage.CompleteCheckpointAsync(new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            handles.Select((h, s) => (h, s)).ToDictionary(e => new OperatorSubtaskId("Node", e.s), e => (IReadOnlyList<StateHandle>)[e.h])));
        return (storage, handles);
    }

    private static async Task<RestoredCheckpoint> LoadAsync(LocalCheckpointStorage storage)
    {
        CheckpointMetadata metadata = (await storage.LoadAndVerifyAsync(1, CancellationToken.None))!;
        return await RestoredCheckpoint.LoadAsync(storage, metadata, CancellationToken.None);
    }
}
