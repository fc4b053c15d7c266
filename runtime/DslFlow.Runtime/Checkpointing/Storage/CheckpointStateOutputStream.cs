namespace DslFlow.Checkpointing;

/// <summary>
/// A write-only stream into one state file of a checkpoint (Flink's <c>CheckpointStateOutputStream</c>). Serialize
/// the snapshot into it, then call <see cref="CloseAndGetHandleAsync"/>: the file is finished (footer with length
/// and checksum), flushed to disk, and its <see cref="StateHandle"/> returned for the acknowledgement. Disposing the
/// stream without calling it discards the file, so a failed snapshot leaves nothing behind.
/// </summary>
public abstract class CheckpointStateOutputStream : Stream
{
    /// <summary>Finishes and flushes the file durably, closes the stream, and returns the handle of the state.</summary>
    /// <param name="cancellationToken">Cancels the flush; the file is then discarded.</param>
    public abstract Task<StateHandle> CloseAndGetHandleAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public sealed override bool CanRead => false;

    /// <inheritdoc/>
    public sealed override bool CanSeek => false;

    /// <inheritdoc/>
    public sealed override long Length => throw new NotSupportedException("A checkpoint state stream is write-only.");

    /// <inheritdoc/>
    public sealed override long Position
    {
        get => throw new NotSupportedException("A checkpoint state stream cannot seek.");
        set => throw new NotSupportedException("A checkpoint state stream cannot seek.");
    }

    /// <inheritdoc/>
    public sealed override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("A checkpoint state stream is write-only; read state with ReadStateAsync.");

    /// <inheritdoc/>
    public sealed override long Seek(long offset, SeekOrigin origin) =>
        throw new NotSupportedException("A checkpoint state stream cannot seek.");

    /// <inheritdoc/>
    public sealed override void SetLength(long value) =>
        throw new NotSupportedException("A checkpoint state stream cannot seek.");
}
