using DslFlow.Checkpointing;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// A changelog subtask's part of a snapshot: what its backend returned at the barrier and the key groups it owns; the
/// asynchronous part waits for the log's tail to be persisted and encodes the part (<see cref="ChangelogPartCodec"/>).
/// </summary>
internal sealed class ChangelogSnapshotPart(ChangelogCheckpoint checkpoint, KeyGroupRange owned, string sectionName) : IKeyedSnapshotPart
{
    public string SectionName => sectionName;

    public StateScope Scope => StateScope.Changelog;

    public async Task<(byte[] Bytes, IReadOnlyList<StateHandle> Shared)> WriteAsync(ICheckpointStorageWorkerView storage, long checkpointId,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<ChangelogSegment> log = await checkpoint.Log.WaitAsync(cancellationToken).ConfigureAwait(false);
        return ChangelogPartCodec.Encode(owned, checkpoint, log);
    }

    public void Dispose()
    {
        // The log's files belong to the task's changelog, which releases them.
    }
}
