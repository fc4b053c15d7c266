using System.Text;
using DslFlow.Execution;
using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// Reads one share of a <see cref="FileLineSource"/>: its files (splits) one after another, each up to its length when
/// it was listed, as UTF-8 lines. It tracks the exact byte offset of the next unread line, so a position taken between
/// two <see cref="Read"/> calls resumes without losing or repeating a line; a batch never holds lines of two files.
/// </summary>
public sealed class FileLineReader : ISourceReader<string>, ICheckpointedReader, IRestoredBatchDrop
{
    private const int InitialBufferSize = 64 * 1024;
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly FileLineShare _share;
    private readonly FileDiscovery? _discovery;
    private readonly bool _skipChangedFiles;
    private readonly ILogger _logger;
    private FileStream? _stream;
    private byte[] _buffer = new byte[InitialBufferSize];
    private long _bufferOffset; // file offset of _buffer[0]
    private int _start;
    private int _end;
    private long? _skipping; // the file offset of the over-long line being skipped (SkipLongLines)

    internal FileLineReader(FileLineShare share, FileDiscovery? discovery, bool skipChangedFiles, ILogger logger)
    {
        _share = share;
        _discovery = discovery;
        _skipChangedFiles = skipChangedFiles;
        _logger = logger;
    }

    /// <summary>
    /// The position of every split of this reader, in reading order: files not yet opened at their start offset, the
    /// file being read at its next unread line, finished files at their end. Pass them to
    /// <see cref="FileLineSource.WithStartPositions"/> to resume.
    /// </summary>
    public IReadOnlyList<FileLinePosition> Positions =>
        _share.Splits.Select((split, k) => new FileLinePosition(split.Path, k == _share.Current ? CurrentOffset : split.Offset)).ToArray();

    /// <summary>True when a restore skipped the file the checkpointed batch came from (see <see cref="FileLineSource.SkipChangedFiles"/>).</summary>
    bool IRestoredBatchDrop.DroppedRestoredBatch => DroppedRestoredBatch;

    internal bool DroppedRestoredBatch { get; set; }

    /// <summary>The longest line read (see <see cref="FileLineSource.MaxLineLength"/>).</summary>
    internal int MaxLineLength { get; init; } = FileLineSource.DefaultMaxLineLength;

    /// <summary>Called for each longer line, which is then skipped; null (the default) fails instead (see <see cref="FileLineSource.SkipLongLines"/>).</summary>
    internal Action? LongLineSkipped { get; init; }

    internal FileLineShare Share => _share;

    private long CurrentOffset => _stream is not null ? _bufferOffset + _start : _share.IsDone ? 0 : _share.Splits[_share.Current].Offset;

    /// <summary>
    /// Writes the position: a format version, the split being read and its offset, then every split of the share
    /// (path, length, last-write time and inode when listed, bytes read) and the paths of the first listing the other
    /// shares read.
    /// </summary>
    public void WritePosition(ref DslFlow.Serialization.StateWriter writer) => _share.Write(ref writer, CurrentOffset);

    /// <summary>
    /// Reads lines of the current file. It returns when the file ends (so a batch never holds lines of two files), and,
    /// with <see cref="FileLineSource.DiscoveryInterval"/>, returns <see cref="ReadStatus.NothingAvailable"/> instead of
    /// the end of input once every known file is read.
    /// </summary>
    public ReadResult Read(Span<string> destination)
    {
        int count = 0;
        while (count < destination.Length)
        {
            if (_stream is null)
            {
                if (_share.IsDone)
                {
                    return AfterLastSplit();
                }
                if (!OpenCurrentSplit())
                {
                    return new ReadResult(0, ReadStatus.MoreAvailable); // skipped or already read: the next batch starts at the next split
                }
            }
            long end = _share.Splits[_share.Current].End;
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                if (TryDecode(_start, newline, out string line))
                {
                    destination[count++] = line;
                }
                _start += newline + 1;
                if (_bufferOffset + _start == end)
                {
                    CloseSplit();
                    break;
                }
            }
            else if (_bufferOffset + _end < end)
            {
                if (!FillBuffer(end))
                {
                    break; // the file was truncated while being read, and SkipChangedFiles skipped its rest
                }
            }
            else
            {
                // The split's last line has no line end (the file ends there, or it grew past its listed length).
                if (_start < _end || _skipping is not null)
                {
                    if (TryDecode(_start, _end - _start, out string line))
                    {
                        destination[count++] = line;
                    }
                    _start = _end;
                }
                CloseSplit();
                break;
            }
        }
        return new ReadResult(count, ReadStatus.MoreAvailable);
    }

    /// <summary>Completes at once, or, in discovery mode with every file read, when the next listing is due.</summary>
    public ValueTask WaitForDataAsync(CancellationToken cancellationToken) =>
        _discovery is not null && _share.IsDone ? _discovery.WaitUntilDueAsync(cancellationToken) : default;

    /// <summary>Closes the file being read.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    /// <summary>Adds splits found by discovery (at a restore, or every interval once all known files are read).</summary>
    internal int Discover()
    {
        List<FileSplit> found = _discovery!.Discover(_share);
        _share.Add(found);
        if (found.Count > 0)
        {
            _logger.LogInformation("FileLineSource discovered {Count} new file(s): {Files}", found.Count,
                FileLineSource.Sample(found.Select(s => s.Path)));
        }
        return found.Count;
    }

    private ReadResult AfterLastSplit()
    {
        if (_discovery is null)
        {
            return new ReadResult(0, ReadStatus.EndOfInput);
        }
        // New splits are added between batches only, so the position before a batch names the file its lines come from.
        return _discovery.IsDue && Discover() > 0
            ? new ReadResult(0, ReadStatus.MoreAvailable)
            : new ReadResult(0, ReadStatus.NothingAvailable);
    }

    private JobConfigurationException LineTooLong(long offset) =>
        new($"FileLineSource: the line at byte offset {offset} of '{_share.Splits[_share.Current].Path}' is longer than "
            + $"MaxLineLength ({MaxLineLength} bytes). Is the file binary, or are its lines separated by something other than "
            + "'\\n'? Raise FileLineSource.MaxLineLength (up to 1 GiB), set SkipLongLines to skip such lines, or fix the file.");

    /// <summary>The line at <paramref name="start"/>; false when it was too long and is skipped (opted in).</summary>
    private bool TryDecode(int start, int length, out string line)
    {
        line = string.Empty;
        if (_skipping is long skipped)
        {
            _skipping = null; // this is the end of the over-long line that FillBuffer began to drop
            SkipLongLine(skipped);
            return false;
        }
        if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
        {
            length--;
        }
        if (length > MaxLineLength)
        {
            if (LongLineSkipped is null)
            {
                throw LineTooLong(_bufferOffset + start);
            }
            SkipLongLine(_bufferOffset + start);
            return false;
        }
        line = length == 0 ? string.Empty : Encoding.UTF8.GetString(_buffer, start, length);
        return true;
    }

    private void SkipLongLine(long offset)
    {
        LongLineSkipped!();
        _logger.LogWarning("FileLineSource: skipped the line at byte offset {Offset} of '{Path}': it is longer than "
            + "MaxLineLength ({MaxLineLength} bytes) and SkipLongLines is set", offset, _share.Splits[_share.Current].Path, MaxLineLength);
    }

    /// <summary>Opens the current split; false when it needs no reading (already read, or skipped because it changed).</summary>
    private bool OpenCurrentSplit()
    {
        FileSplit split = _share.Splits[_share.Current];
        if (split.IsRead)
        {
            _share.Advance(split.Offset);
            return false;
        }
        FileIdentity? now = Attempt(split.Path, () => FileIdentity.Of(split.Path));
        if (split.ChangeTo(now) is { } change)
        {
            SkipChanged(_share.Current, split, change, "since it was listed");
            _share.Advance(split.End);
            return false;
        }
        if (now!.Value.Length > split.End)
        {
            _logger.LogInformation("FileLineSource: '{Path}' grew to {Length} bytes after it was listed; its split ends at "
                + "{End} bytes, so the appended bytes are not read", split.Path, now.Value.Length, split.End);
        }
        _stream = Attempt(split.Path, () =>
        {
            var stream = new FileStream(split.Path, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
            stream.Seek(split.Offset, SeekOrigin.Begin);
            return stream;
        });
        _bufferOffset = split.Offset;
        _start = _end = 0;
        _skipping = null;
        if (split.Offset == 0)
        {
            while (_end < Bom.Length && _end < split.End)
            {
                if (!FillBuffer(split.End))
                {
                    return false;
                }
            }
            if (_buffer.AsSpan(0, _end).StartsWith(Bom))
            {
                _start = Bom.Length;
            }
        }
        return true;
    }

    /// <summary>
    /// Split <paramref name="index"/> can no longer be read as listed: a <see cref="JobConfigurationException"/>, or
    /// (<see cref="FileLineSource.SkipChangedFiles"/>) a warning, and the split is recorded as read, never opened again.
    /// </summary>
    internal void SkipChanged(int index, FileSplit split, string change, string when)
    {
        if (!_skipChangedFiles)
        {
            throw split.ChangedError(change, when);
        }
        _logger.LogWarning("FileLineSource: '{Path}' {Change} {When}; {Offset} of its {End} bytes were read. SkipChangedFiles "
            + "is set: the rest of the file is skipped", split.Path, change, when, split.Offset, split.End);
        _share.SetOffset(index, split.End);
    }

    private void CloseSplit()
    {
        _share.Advance(_bufferOffset + _start);
        Dispose();
    }

    /// <summary>Reads more of the current split; false when the file ended early and was skipped (opted in).</summary>
    private bool FillBuffer(long end)
    {
        // Keep the unread tail of a partial line and read behind it; a line longer than the buffer grows it.
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _bufferOffset += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            // The buffer grows to the longest line plus "\r\n"; full at that size, it holds a line that is too long.
            bool tooLong = _end >= MaxLineLength + 2L;
            if (tooLong && LongLineSkipped is null)
            {
                throw LineTooLong(_bufferOffset); // _start is 0 here: the whole buffer is one line without its end
            }
            if (tooLong)
            {
                // Drop what is buffered of the over-long line and read on to its end. Read does not return before that,
                // so no position is ever taken inside the line: a restore resumes at its start or after it.
                _skipping ??= _bufferOffset;
                _bufferOffset += _end;
                _end = 0;
            }
            else
            {
                Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, Math.Max(MaxLineLength + 2L, InitialBufferSize)));
            }
        }
        FileStream stream = _stream!;
        int want = (int)Math.Min(_buffer.Length - _end, end - (_bufferOffset + _end));
        FileSplit split = _share.Splits[_share.Current];
        int read = Attempt(split.Path, () => stream.Read(_buffer, _end, want));
        if (read == 0)
        {
            // The file ended before its listed length: it was truncated while being read.
            FileSplit reached = split with { Offset = _bufferOffset + _start };
            SkipChanged(_share.Current, reached, $"ended at {_bufferOffset + _end} bytes while being read", "(it was truncated)");
            Dispose();
            _share.Advance(split.End);
            return false;
        }
        _end += read;
        return true;
    }

    private static TResult Attempt<TResult>(string path, Func<TResult> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"FileLineSource could not read '{path}': {ex.Message}", ex);
        }
    }
}
