using DslFlow.State.Backends;

namespace DslFlow.Checkpointing;

/// <summary>
/// One subtask's snapshot after its synchronous part: operator state and source positions copied as bytes (they are
/// small), keyed state frozen by its backend. <see cref="WriteAsync"/> is the asynchronous part: it serializes the
/// keyed state and streams the state file to storage. Disposed when no checkpoint needs it any more; a final snapshot
/// (FLIP-147) is written into every later checkpoint, from the same serialized blocks.
/// </summary>
internal sealed class TaskSnapshot(int subtaskIndex, int parallelism, int maxParallelism, IReadOnlyList<StateEntry> entries,
    IReadOnlyList<IKeyedStateSnapshot> keyed, ChangelogSnapshotPart? changelog = null) : IDisposable
{
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _disposed;

    /// <summary>True when there is nothing to store.</summary>
    public bool IsEmpty => entries.Count == 0 && keyed.Count == 0 && changelog is null;

    /// <summary>Serializes the keyed state now, on the calling thread (snapshots configured synchronous).</summary>
    public void Serialize(CancellationToken cancellationToken)
    {
        foreach (IKeyedStateSnapshot state in keyed)
        {
            state.Serialize(cancellationToken);
        }
    }

    /// <summary>
    /// The asynchronous part: serializes what is left (or, for a changelog subtask, waits for its log's tail) and writes
    /// the state file; returns its handle, then the shared files a changelog part references.
    /// </summary>
    /// <exception cref="State.TaskStateException">A keyed state's serializer refused a value; names the state.</exception>
    public async Task<IReadOnlyList<StateHandle>> WriteAsync(ICheckpointStorageWorkerView storage, long checkpointId, string fileName, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false); // a final snapshot's blocks serve one writer at a time
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            var sections = new List<SectionContent>(keyed.Count + entries.Count);
            foreach (IKeyedStateSnapshot state in keyed)
            {
                sections.Add(new SectionContent(state.Name, StateScope.Keyed, state.Descriptor, state.Serialize(cancellationToken)));
            }
            sections.AddRange(entries.Select(e => e.ToSection()));
            IReadOnlyList<StateHandle> shared = [];
            if (changelog is { } part)
            {
                IReadOnlyList<State.Changelog.ChangelogSegment> log = await part.Checkpoint.Log.WaitAsync(cancellationToken).ConfigureAwait(false);
                (byte[] bytes, shared) = State.Changelog.ChangelogPartCodec.Encode(part.Owned, part.Checkpoint, log);
                sections.Add(SectionContent.Whole(part.SectionName, StateScope.Changelog, null, bytes));
            }
            await using CheckpointStateOutputStream stream = storage.OpenStateWriter(checkpointId, fileName);
            await StateFileWriter.WriteAsync(stream, subtaskIndex, parallelism, maxParallelism, sections, cancellationToken).ConfigureAwait(false);
            return [await stream.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false), .. shared];
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Releases the frozen versions and the serialized blocks (waits for a write in progress).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _writing.Wait();
        foreach (IKeyedStateSnapshot state in keyed)
        {
            state.Dispose();
        }
        _writing.Release();
    }
}

/// <summary>A changelog subtask's part of a snapshot: what its backend returned, the key groups it owns, the section name.</summary>
internal sealed record ChangelogSnapshotPart(State.Changelog.ChangelogCheckpoint Checkpoint, KeyGroupRange Owned, string SectionName);
