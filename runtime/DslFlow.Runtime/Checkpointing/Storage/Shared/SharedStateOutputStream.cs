namespace DslFlow.Checkpointing;

/// <summary>
/// Writes a shared state file: the same framing and fsync as a state file (<see cref="LocalStateOutputStream"/>, into
/// a temporary name), then, on <see cref="CloseAndGetHandleAsync"/>, the storage's commit step renames it to its final
/// name and registers it as pending. Disposing without closing discards the temporary file.
/// </summary>
internal sealed class SharedStateOutputStream(LocalStateOutputStream file, Func<StateHandle, StateHandle> commit)
    : CheckpointStateOutputStream
{
    public override bool CanWrite => file.CanWrite;

    public override void Write(byte[] buffer, int offset, int count) => file.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => file.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        file.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        file.WriteAsync(buffer, cancellationToken);

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override async Task<StateHandle> CloseAndGetHandleAsync(CancellationToken cancellationToken = default) =>
        commit(await file.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
        }
        base.Dispose(disposing);
    }
}
