using DslFlow.State.Backends;

namespace DslFlow.Checkpointing;

/// <summary>
/// One subtask's snapshot after its synchronous part: operator state and source positions copied as bytes (they are
/// small), keyed state frozen by its backend. <see cref="WriteAsync"/> is the asynchronous part: it serializes the
/// keyed state and streams the state file to storage. Disposed when no checkpoint needs it any more; a final snapshot
/// (FLIP-147) is written into every later checkpoint, from the same serialized blocks.
/// </summary>
internal sealed class TaskSnapshot(int subtaskIndex, int parallelism, int maxParallelism, IReadOnlyList<StateEntry> entries,
    IReadOnlyList<IKeyedStateSnapshot> keyed, IKeyedSnapshotPart? backendPart = null) : IDisposable
{
    private readonly SemaphoreSlim _writing = new(1, 1);
    private int _disposed;

    /// <summary>True when there is nothing to store.</summary>
    public bool IsEmpty => entries.Count == 0 && keyed.Count == 0 && backendPart is null;

    /// <summary>
    /// Serializes the keyed state now, on the calling thread (snapshots configured synchronous). A backend whose frozen
    /// version needs no copy (RocksDB's snapshot) reads it only when the file is written.
    /// </summary>
    public void Serialize(CancellationToken cancellationToken)
    {
        foreach (IKeyedStateSnapshot state in keyed)
        {
            state.Serialize(cancellationToken);
        }
    }

    /// <summary>
    /// The asynchronous part: serializes what is left (or writes the backend's own part: a changelog's log tail,
    /// RocksDB's new files) and writes the state file; returns its handle, then the shared files the backend's part
    /// references.
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
            if (backendPart is not null)
            {
                (byte[] bytes, shared) = await backendPart.WriteAsync(storage, checkpointId, cancellationToken).ConfigureAwait(false);
                sections.Add(SectionContent.Whole(backendPart.SectionName, backendPart.Scope, null, bytes));
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

    /// <summary>
    /// The snapshot as one subtask's entry of a checkpoint in memory, serialized now (tests and the one-task harness;
    /// a backend that writes its own part — the changelog, RocksDB's files — needs checkpoint storage instead).
    /// </summary>
    internal TaskStateSnapshot ToStateSnapshot()
    {
        if (backendPart is not null)
        {
            throw new InvalidOperationException("A snapshot with a backend part is written to checkpoint storage, not kept in memory.");
        }
        var states = new List<StateEntry>(entries);
        foreach (IKeyedStateSnapshot state in keyed)
        {
            states.Add(new StateEntry(state.Name, StateScope.Keyed, [])
            {
                Descriptor = state.Descriptor,
                Blocks = [.. state.Serialize(CancellationToken.None).Select(b => new KeyGroupBlock(b.KeyGroup, b.Count, (byte[])[.. b.First.Span, .. b.Second.Span], default))],
            });
        }
        return new TaskStateSnapshot(subtaskIndex, parallelism, maxParallelism, states);
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
        backendPart?.Dispose();
        _writing.Release();
    }
}
