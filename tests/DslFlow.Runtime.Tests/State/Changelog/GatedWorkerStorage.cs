using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// The local storage's worker view with a gate and injected failures on owned shared files (the changelog's log files):
/// a closed gate holds every log file write until <see cref="Open"/>; <see cref="FailNextWrites"/> makes the next writes
/// throw an <see cref="IOException"/>. Counts the writes that reached the storage.
/// </summary>
internal sealed class GatedWorkerStorage(LocalCheckpointStorage inner) : ICheckpointStorageWorkerView
{
    private readonly ManualResetEventSlim _gate = new(initialState: true);
    private int _failures;
    private int _writes;

    public LocalCheckpointStorage Inner => inner;

    /// <summary>Log file writes that started (blocked ones included).</summary>
    public int Writes => Volatile.Read(ref _writes);

    public void Close() => _gate.Reset();

    public void Open() => _gate.Set();

    public void FailNextWrites(int count) => Volatile.Write(ref _failures, count);

    public CheckpointStateOutputStream OpenOwnedSharedStateWriter(string name)
    {
        Interlocked.Increment(ref _writes);
        if (!_gate.Wait(TimeSpan.FromMinutes(1)))
        {
            throw new TimeoutException("The test never opened the storage gate.");
        }
        return Interlocked.Decrement(ref _failures) >= 0
            ? throw new IOException("injected: the disk is full")
            : inner.OpenOwnedSharedStateWriter(name);
    }

    public void ReleaseOwnedSharedState(StateHandle handle) => inner.ReleaseOwnedSharedState(handle);

    public CheckpointStateOutputStream OpenStateWriter(long checkpointId, string name) => inner.OpenStateWriter(checkpointId, name);

    public Task<StateHandle> WriteStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        inner.WriteStateAsync(checkpointId, name, data, cancellationToken);

    public Task<StateHandle> WriteStateAsync(long checkpointId, string name, Stream data, CancellationToken cancellationToken = default) =>
        inner.WriteStateAsync(checkpointId, name, data, cancellationToken);

    public CheckpointStateOutputStream OpenSharedStateWriter(long checkpointId, string name) => inner.OpenSharedStateWriter(checkpointId, name);

    public Task<StateHandle> WriteSharedStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        inner.WriteSharedStateAsync(checkpointId, name, data, cancellationToken);

    public Task<byte[]> ReadStateAsync(StateHandle handle, CancellationToken cancellationToken = default) => inner.ReadStateAsync(handle, cancellationToken);

    public void ReadStateRange(StateHandle handle, long offset, Span<byte> destination) => inner.ReadStateRange(handle, offset, destination);
}
