using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.State.Heap;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// Changelog subtasks over the heap backend with one value state, and the steps of a task's checkpoint life
/// (checkpoint completed in the real storage, materialization, restore), for the backend's protocol tests.
/// </summary>
public abstract class ChangelogBackendTestKit : ChangelogTestKit
{
    private protected const int MaxParallelism = 128;
    private protected static readonly KeyGroupRange All = new(0, MaxParallelism - 1);
    private protected static readonly KeyedStateDescriptor<string, long> Total = new("Count.total", KeyedStateKind.Value, null, null);

    /// <summary>The heap backend, recording the checkpoints it hears about.</summary>
    private protected sealed class RecordingHeapBackend() : IKeyedStateBackend
    {
        private readonly HeapKeyedStateBackend _heap = new(All, MaxParallelism);

        public List<long> Completed { get; } = [];

        public KeyGroupRange KeyGroups => _heap.KeyGroups;

        public IReadOnlyList<(string Name, string Descriptor)> States => _heap.States;

        public KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
            where TKey : notnull => _heap.GetOrCreateState(descriptor);

        public DslFlow.Time.Timers.IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
            where TKey : notnull => _heap.GetOrCreateTimerQueue(descriptor);

        public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId) => _heap.Snapshot(checkpointId);

        public void Restore(IKeyedStateSource source) => _heap.Restore(source);

        public void NotifyCheckpointComplete(long checkpointId)
        {
            Completed.Add(checkpointId);
            _heap.NotifyCheckpointComplete(checkpointId);
        }

        public void NotifyCheckpointAborted(long checkpointId) => _heap.NotifyCheckpointAborted(checkpointId);

        public void Dispose() => _heap.Dispose();
    }

    private protected sealed record Subtask(ChangelogKeyedStateBackend Backend, RecordingHeapBackend Inner, KeyedState<string, long> State, ValueState<long> Facade);

    /// <param name="declared">The one value state it declares (<see cref="Total"/> unless given).</param>
    /// <param name="interval">The materialization interval of <see cref="ChangelogKeyedStateBackend.MaterializeIfDue"/>, on <see cref="ChangelogTestKit.Clock"/>.</param>
    private protected Subtask NewSubtask(ChangelogUploader uploader, int maxFailures = 3, long preemptive = 5 << 20, string owner = "Count-0",
        TimeSpan? interval = null, KeyedStateDescriptor<string, long>? declared = null)
    {
        var inner = new RecordingHeapBackend();
        var backend = new ChangelogKeyedStateBackend(inner, NewWriter(uploader, preemptive, owner), Storage, owner, 0, 1,
            MaxParallelism, maxFailures, NullLogger.Instance, interval, Clock);
        KeyedState<string, long> state = backend.GetOrCreateState(declared ?? Total);
        var facade = new ValueState<long>();
        facade.Bind(state);
        return new Subtask(backend, inner, state, facade);
    }

    private protected static void Put(Subtask subtask, string key, long value)
    {
        int hash = StableHash.Of(key);
        subtask.Facade.Slot = subtask.State.Slot(key, hash, KeyGroups.Assign(hash, MaxParallelism));
        subtask.Facade.Value = value;
    }

    /// <summary>
    /// Writes 4,096 distinct keys: the value state logs each changed key's last value when its log seals a change set,
    /// or at once when this many are waiting, so these writes reach the log (and a pre-emptive write) right away.
    /// </summary>
    private protected static void PutAppendingAtOnce(Subtask subtask, string prefix)
    {
        for (int i = 0; i < 4096; i++)
        {
            Put(subtask, $"{prefix}-{i}", i);
        }
    }

    private protected static Dictionary<string, long> Values(Subtask subtask) =>
        Enumerable.Range(0, MaxParallelism).SelectMany(subtask.State.EntriesOf).ToDictionary(e => e.Key, e => e.Value);

    /// <summary>Takes a checkpoint, waits for its log, completes it in storage and tells the backend.</summary>
    private protected async Task<(ChangelogCheckpoint Checkpoint, IReadOnlyList<ChangelogSegment> Log)> CompleteAsync(Subtask subtask, long id) =>
        (await CompleteAllAsync(id, null, subtask))[0];

    /// <summary>
    /// Takes checkpoint <paramref name="id"/> of every subtask (subtask i of the task), waits for their logs, completes
    /// it in storage listing every file each one references, and tells each backend.
    /// </summary>
    /// <param name="id">The checkpoint.</param>
    /// <param name="afterSnapshots">Runs once every synchronous part was taken, before waiting for the logs (moves a fake clock).</param>
    /// <param name="subtasks">The task's subtasks, in order.</param>
    private protected async Task<IReadOnlyList<(ChangelogCheckpoint Checkpoint, IReadOnlyList<ChangelogSegment> Log)>> CompleteAllAsync(
        long id, Action? afterSnapshots, params Subtask[] subtasks)
    {
        var taken = new List<(ChangelogCheckpoint Checkpoint, IReadOnlyList<ChangelogSegment> Log)>();
        var handles = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        List<ChangelogCheckpoint> checkpoints = [.. subtasks.Select(s => s.Backend.SnapshotChangelog(id))];
        afterSnapshots?.Invoke();
        foreach ((ChangelogCheckpoint checkpoint, int index) in checkpoints.Select((c, i) => (c, i)))
        {
            IReadOnlyList<ChangelogSegment> log = await checkpoint.Log;
            taken.Add((checkpoint, log));
            List<StateHandle> files = [.. checkpoint.Base.Files, .. checkpoint.Base.RestoredLogs.SelectMany(l => l).Select(s => s.File),
                .. log.Select(s => s.File)];
            handles[new("Count", index)] = [.. files.DistinctBy(h => h.RelativePath)];
        }
        await Storage.Inner.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, handles));
        foreach (Subtask subtask in subtasks)
        {
            subtask.Backend.NotifyCheckpointComplete(id);
        }
        return taken;
    }

    private protected static async Task MaterializeAsync(Subtask subtask)
    {
        Assert.Equal(MaterializationStart.Started, subtask.Backend.TryMaterialize());
        await subtask.Backend.WaitForMaterializationAsync();
    }

    private protected Subtask Restore(ChangelogUploader uploader, (ChangelogCheckpoint Checkpoint, IReadOnlyList<ChangelogSegment> Log) from, out ChangelogLogReader reader)
    {
        Subtask restored = NewSubtask(uploader, owner: "Count-0-restored");
        reader = new ChangelogLogReader(Storage);
        restored.Backend.RestoreChangelog(from.Checkpoint.CheckpointId, [new ChangelogRestorePart(from.Checkpoint.Base.Files,
            from.Checkpoint.Base.MaterializationId, [.. from.Checkpoint.Base.RestoredLogs, from.Log])], reader);
        return restored;
    }
}
