using DslFlow.Checkpointing;

namespace DslFlow.State.Changelog;

/// <summary>
/// Reads log sections for a restore, each shared log file once per restoring process however many subtasks replay it
/// (Flink's <c>ChangelogStreamHandleReaderWithCache</c>, FLINK-27155): a file is read whole and checked against its
/// handle's checksum on first use, then sections are sliced from memory. Thread-safe; dispose it when the restore is over.
/// </summary>
internal sealed class ChangelogLogReader(ICheckpointStorageWorkerView storage) : IDisposable
{
    private readonly Dictionary<string, Task<byte[]>> _files = new(StringComparer.Ordinal);

    /// <summary>Log files read from storage so far.</summary>
    public int FilesRead { get; private set; }

    /// <summary>Calls <paramref name="apply"/> with every change of <paramref name="segments"/>, in order.</summary>
    /// <exception cref="CheckpointCorruptedException">A file or section is missing or damaged.</exception>
    public void Replay(long checkpointId, IEnumerable<ChangelogSegment> segments, ChangeReader apply)
    {
        foreach (ChangelogSegment segment in segments)
        {
            byte[] file = Load(segment.File);
            if (segment.Offset < 0 || segment.Offset + segment.Length > file.Length)
            {
                throw new CheckpointCorruptedException(checkpointId, segment.File.RelativePath,
                    $"has no log section at {segment.Offset} ({segment.Length} bytes): the file is {file.Length} bytes long");
            }
            ChangelogFormat.ReadSection(file.AsSpan((int)segment.Offset, segment.Length), segment, checkpointId, apply);
        }
    }

    public void Dispose()
    {
        lock (_files)
        {
            _files.Clear();
        }
    }

    private byte[] Load(StateHandle file)
    {
        Task<byte[]> read;
        lock (_files)
        {
            if (!_files.TryGetValue(file.RelativePath, out read!))
            {
                FilesRead++;
                read = storage.ReadStateAsync(file); // checks the file's header, length and checksum
                _files[file.RelativePath] = read;
            }
        }
        return read.GetAwaiter().GetResult();
    }
}
