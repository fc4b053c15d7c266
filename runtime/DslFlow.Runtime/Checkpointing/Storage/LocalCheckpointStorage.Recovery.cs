using DslFlow.Hashing;
using System.Buffers;
using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

public sealed partial class LocalCheckpointStorage
{
    private const long StateFileOverhead = CheckpointFileFormat.HeaderLength + CheckpointFileFormat.StateFooterLength;

    /// <inheritdoc/>
    public async Task<CheckpointMetadata?> LoadLatestAsync(CancellationToken cancellationToken = default)
    {
        var skipped = new List<(long Id, string Reason)>();
        foreach (long id in _paths.ListCheckpointDirectories())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? reason;
            try
            {
                CheckpointMetadata? metadata = await LoadAndVerifyAsync(id, cancellationToken).ConfigureAwait(false);
                if (metadata is not null)
                {
                    foreach (var (skippedId, why) in skipped)
                    {
                        _logger.LogWarning("Skipping checkpoint {SkippedId} in {Directory}: {Reason} Restoring from "
                            + "checkpoint {UsedId} instead.", skippedId, _paths.Root, why, id);
                    }
                    _logger.LogInformation("Restoring from checkpoint {CheckpointId} in {Directory}", id, _paths.Root);
                    return metadata;
                }
                reason = $"'{CheckpointPaths.DirectoryName(id)}' has no {CheckpointPaths.MetadataFileName} (the checkpoint "
                    + "was aborted, or the process stopped before it completed).";
            }
            catch (CheckpointCorruptedException ex)
            {
                reason = ex.Message;
            }
            catch (IOException ex)
            {
                reason = $"reading it failed: {ex.Message}";
            }
            skipped.Add((id, reason));
        }
        foreach (var (skippedId, why) in skipped)
        {
            _logger.LogWarning("Skipping checkpoint {SkippedId} in {Directory}: {Reason} No older completed checkpoint "
                + "is usable; starting without a checkpoint.", skippedId, _paths.Root, why);
        }
        if (skipped.Count == 0)
        {
            _logger.LogInformation("No completed checkpoint in {Directory}; starting without a checkpoint", _paths.Root);
        }
        return null;
    }

    /// <summary>The validated metadata, or null when the checkpoint has none.</summary>
    internal async Task<CheckpointMetadata?> LoadAndVerifyAsync(long id, CancellationToken cancellationToken)
    {
        string path = _paths.MetadataFile(id);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var metadata = CheckpointMetadataCodec.Decode(bytes, id, CheckpointPaths.RelativeMetadataPath(id));
        foreach (var handle in metadata.AllHandles)
        {
            await VerifyStateFileAsync(handle, keepPayload: false, cancellationToken).ConfigureAwait(false);
        }
        return metadata;
    }

    /// <summary>
    /// Checks a state file against its handle: location, existence, length, header, footer and checksum of the
    /// payload. Returns the payload when <paramref name="keepPayload"/> is set, else null.
    /// </summary>
    private async Task<byte[]?> VerifyStateFileAsync(StateHandle handle, bool keepPayload, CancellationToken cancellationToken)
    {
        string file = handle.RelativePath ?? "";
        long id = handle.CheckpointId;
        string? path = _paths.TryResolveHandlePath(file, id);
        if (path is null)
        {
            throw new CheckpointCorruptedException(id, file, $"is not a state file path of checkpoint {id} "
                + $"('{CheckpointPaths.DirectoryName(Math.Max(id, 1))}/{{name}}' or '{CheckpointPaths.SharedDirectoryName}/{{name}}'), "
                + "so it is not read");
        }
        if (handle.Length < 0 || (keepPayload && handle.Length > Array.MaxLength))
        {
            throw new CheckpointCorruptedException(id, file, "has a handle with an impossible payload length",
                $"0 to {Array.MaxLength} bytes", $"{handle.Length} bytes");
        }
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointCorruptedException(id, file, "is missing", inner: ex);
        }
        await using (stream.ConfigureAwait(false))
        {
            long expectedLength = handle.Length + StateFileOverhead;
            if (stream.Length != expectedLength)
            {
                throw new CheckpointCorruptedException(id, file, "has the wrong length (truncated or extended)",
                    $"{expectedLength} bytes", $"{stream.Length} bytes");
            }
            var frame = new byte[CheckpointFileFormat.HeaderLength + CheckpointFileFormat.StateFooterLength];
            await stream.ReadExactlyAsync(frame.AsMemory(0, CheckpointFileFormat.HeaderLength), cancellationToken)
                .ConfigureAwait(false);
            int version = CheckpointFileFormat.CheckHeader(frame.AsSpan(0, CheckpointFileFormat.HeaderLength),
                CheckpointFileFormat.StateMagic, id, file);
            if (version < CheckpointMetadata.OldestReadableStateFormatVersion)
            {
                throw new CheckpointCorruptedException(id, file, $"was written by an older DslFlow in state file format {version}, "
                    + $"before state files became seekable; this build reads state files of format {CheckpointMetadata.OldestReadableStateFormatVersion} "
                    + "or later. Finish or stop the job with the DslFlow version that wrote it, or start fresh (CheckpointingOptions.StartFresh = true)",
                    $"format {CheckpointMetadata.OldestReadableStateFormatVersion} or later", $"format {version}");
            }
            (uint crc, byte[]? payload) = await ReadPayloadAsync(stream, handle.Length, keepPayload, cancellationToken)
                .ConfigureAwait(false);
            await stream.ReadExactlyAsync(frame.AsMemory(CheckpointFileFormat.HeaderLength), cancellationToken)
                .ConfigureAwait(false);
            var (footerLength, footerChecksum) = CheckpointFileFormat.ReadStateFooter(
                frame.AsSpan(CheckpointFileFormat.HeaderLength));
            if (footerLength != handle.Length)
            {
                throw new CheckpointCorruptedException(id, file, "records a payload length in its footer that differs "
                    + "from its handle's", $"{handle.Length} bytes", $"{footerLength} bytes");
            }
            if (crc != handle.Checksum || footerChecksum != handle.Checksum)
            {
                throw new CheckpointCorruptedException(id, file, crc != handle.Checksum
                    ? "fails its checksum: the payload's CRC-32C differs from the one in its handle"
                    : "records a checksum in its footer that differs from its handle's",
                    $"crc32c {CheckpointFileFormat.Hex(handle.Checksum)}",
                    $"crc32c {CheckpointFileFormat.Hex(crc != handle.Checksum ? crc : footerChecksum)}");
            }
            return payload;
        }
    }

    /// <inheritdoc/>
    public void ReadStateRange(StateHandle handle, long offset, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(handle);
        string file = handle.RelativePath ?? "";
        long id = handle.CheckpointId;
        string? path = _paths.TryResolveHandlePath(file, id);
        if (path is null)
        {
            throw new CheckpointCorruptedException(id, file, $"is not a state file path of checkpoint {id}, so it is not read");
        }
        if (offset < 0 || offset > handle.Length - destination.Length)
        {
            throw new CheckpointCorruptedException(id, file, "is asked for a range outside its payload",
                $"a range within {handle.Length} bytes", $"{destination.Length} bytes at {offset}");
        }
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle stream = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            long start = CheckpointFileFormat.HeaderLength + offset;
            for (int done = 0; done < destination.Length;)
            {
                int read = RandomAccess.Read(stream, destination[done..], start + done);
                if (read == 0)
                {
                    throw new CheckpointCorruptedException(id, file, "ends before the range its index points to (truncated)",
                        $"{CheckpointFileFormat.HeaderLength + offset + destination.Length} bytes or more", $"{start + done} bytes");
                }
                done += read;
            }
            Interlocked.Add(ref _bytesRead, destination.Length);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CheckpointCorruptedException(id, file, "is missing", inner: ex);
        }
    }

    /// <summary>Payload bytes read by <see cref="ReadStateRange"/> since the storage was opened (restores; tests count them).</summary>
    internal long BytesRead => Interlocked.Read(ref _bytesRead);

    private long _bytesRead;

    private static async Task<(uint Crc, byte[]? Payload)> ReadPayloadAsync(FileStream stream, long length,
        bool keepPayload, CancellationToken cancellationToken)
    {
        if (keepPayload)
        {
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload, cancellationToken).ConfigureAwait(false);
            return (Crc32C.Compute(payload), payload);
        }
        byte[] chunk = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            uint running = Crc32C.Start;
            for (long left = length; left > 0;)
            {
                int read = (int)Math.Min(left, chunk.Length);
                await stream.ReadExactlyAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                running = Crc32C.Append(running, chunk.AsSpan(0, read));
                left -= read;
            }
            return (Crc32C.Finish(running), null);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
