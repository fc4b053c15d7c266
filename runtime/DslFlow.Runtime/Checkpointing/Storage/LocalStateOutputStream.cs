using DslFlow.Hashing;
namespace DslFlow.Checkpointing;

/// <summary>
/// Writes a state file of <see cref="LocalCheckpointStorage"/>: header first, then the payload while a running
/// CRC-32C follows it, then the footer; fsync before the handle is returned, so the metadata written later never
/// points at data that is not on disk.
/// </summary>
internal sealed class LocalStateOutputStream : CheckpointStateOutputStream
{
    private readonly FileStream _file;
    private readonly string _fullPath;
    private readonly StateHandle _pending;
    private uint _crc = Crc32C.Start;
    private long _payloadLength;
    private bool _closed;

    public LocalStateOutputStream(string fullPath, long checkpointId, string relativePath)
    {
        _fullPath = fullPath;
        _pending = new StateHandle(checkpointId, relativePath, 0, 0);
        // CreateNew: two subtasks writing the same name into one checkpoint is a bug that must not silently lose one.
        _file = new FileStream(fullPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024,
            FileOptions.Asynchronous);
        Span<byte> header = stackalloc byte[CheckpointFileFormat.HeaderLength];
        CheckpointFileFormat.WriteHeader(header, CheckpointFileFormat.StateMagic);
        _file.Write(header);
    }

    public override bool CanWrite => !_closed;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfClosed();
        _file.Write(buffer);
        Track(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Track(buffer.Span);
    }

    public override void Flush() => _file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);

    public override async Task<StateHandle> CloseAndGetHandleAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        _closed = true;
        try
        {
            uint checksum = Crc32C.Finish(_crc);
            var footer = new byte[CheckpointFileFormat.StateFooterLength];
            CheckpointFileFormat.WriteStateFooter(footer, _payloadLength, checksum);
            await _file.WriteAsync(footer, cancellationToken).ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
            return _pending with { Length = _payloadLength, Checksum = checksum };
        }
        catch
        {
            Discard();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_closed)
        {
            _closed = true;
            Discard();
        }
        base.Dispose(disposing);
    }

    private void Track(ReadOnlySpan<byte> data)
    {
        _crc = Crc32C.Append(_crc, data);
        _payloadLength += data.Length;
    }

    private void Discard()
    {
        _file.Dispose();
        try
        {
            File.Delete(_fullPath);
        }
        catch (IOException)
        {
            // The checkpoint is incomplete without this file's handle; cleanup of partial checkpoints removes it.
        }
    }

    private void ThrowIfClosed()
    {
        if (_closed)
        {
            throw new ObjectDisposedException(nameof(CheckpointStateOutputStream),
                $"The state stream of '{_pending.RelativePath}' is closed; open a new one for more state.");
        }
    }
}
