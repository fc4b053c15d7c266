using System.Text;

namespace DslFlow;

/// <summary>
/// Reads one subtask's files of a <see cref="FileLineSource"/>, one after another, as UTF-8 lines. It tracks the
/// exact byte offset of the next unread line, so <see cref="Positions"/> taken between two <see cref="Read"/>
/// calls resumes without losing or repeating a line.
/// </summary>
public sealed class FileLineReader : ISourceReader<string>, ICheckpointedReader
{
    private const int InitialBufferSize = 64 * 1024;
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly FileLinePosition[] _splits;
    private int _current;
    private FileStream? _stream;
    private byte[] _buffer = new byte[InitialBufferSize];
    private long _bufferOffset;
    private int _start;
    private int _end;
    private bool _endOfFile;

    internal FileLineReader(IEnumerable<FileLinePosition> splits)
    {
        _splits = splits.ToArray();
    }

    /// <summary>
    /// The position of every split of this reader, in reading order: files not yet opened at their start offset, the
    /// file being read at its next unread line, finished files at their end. Pass them to
    /// <see cref="FileLineSource.WithStartPositions"/> to resume.
    /// </summary>
    public IReadOnlyList<FileLinePosition> Positions
    {
        get
        {
            var positions = (FileLinePosition[])_splits.Clone();
            if (_stream is not null)
            {
                positions[_current] = positions[_current] with { Offset = _bufferOffset + _start };
            }
            return positions;
        }
    }

    /// <summary>Writes <see cref="Positions"/>: a count, then each file's path and offset.</summary>
    public void WritePosition(ref DslFlow.Serialization.StateWriter writer)
    {
        writer.WriteLength(_splits.Length);
        for (int k = 0; k < _splits.Length; k++)
        {
            DslFlow.Serialization.StringSerializer.Instance.Write(ref writer, _splits[k].Path);
            writer.WriteVarInt64(k == _current && _stream is not null ? _bufferOffset + _start : _splits[k].Offset);
        }
    }

    /// <summary>Reads positions written by <see cref="WritePosition"/>.</summary>
    internal static List<FileLinePosition> ReadPositions(ReadOnlySpan<byte> position)
    {
        var reader = new DslFlow.Serialization.StateReader(position);
        int count = reader.ReadLength();
        var positions = new List<FileLinePosition>(reader.SafeCapacity(count));
        for (int k = 0; k < count; k++)
        {
            string path = DslFlow.Serialization.StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a file position has no path");
            positions.Add(new FileLinePosition(path, reader.ReadVarInt64()));
        }
        reader.ExpectEnd();
        return positions;
    }

    /// <inheritdoc />
    public ReadResult Read(Span<string> destination)
    {
        int count = 0;
        while (count < destination.Length)
        {
            if (_stream is null && !OpenNextSplit())
            {
                return new ReadResult(count, ReadStatus.EndOfInput);
            }
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                destination[count++] = Decode(_start, newline);
                _start += newline + 1;
            }
            else if (!_endOfFile)
            {
                FillBuffer();
            }
            else
            {
                if (_start < _end)
                {
                    destination[count++] = Decode(_start, _end - _start);
                    _start = _end;
                }
                CloseSplit();
            }
        }
        return new ReadResult(count, ReadStatus.MoreAvailable);
    }

    /// <summary>Completes at once: file data is always available (or the input has ended).</summary>
    public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => default;

    /// <summary>Closes the file being read.</summary>
    public void Dispose()
    {
        _stream?.Dispose();
        _stream = null;
    }

    private string Decode(int start, int length)
    {
        if (length > 0 && _buffer[start + length - 1] == (byte)'\r')
        {
            length--;
        }
        return length == 0 ? string.Empty : Encoding.UTF8.GetString(_buffer, start, length);
    }

    private bool OpenNextSplit()
    {
        if (_current >= _splits.Length)
        {
            return false;
        }
        FileLinePosition split = _splits[_current];
        _stream = Attempt(split.Path, () =>
        {
            var stream = new FileStream(split.Path, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
            stream.Seek(split.Offset, SeekOrigin.Begin);
            return stream;
        });
        _bufferOffset = split.Offset;
        _start = _end = 0;
        _endOfFile = false;
        if (split.Offset == 0)
        {
            while (_end < Bom.Length && !_endOfFile)
            {
                FillBuffer();
            }
            if (_buffer.AsSpan(0, _end).StartsWith(Bom))
            {
                _start = Bom.Length;
            }
        }
        return true;
    }

    private void CloseSplit()
    {
        _splits[_current] = _splits[_current] with { Offset = _bufferOffset + _start };
        _stream!.Dispose();
        _stream = null;
        _current++;
    }

    private void FillBuffer()
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
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        FileStream stream = _stream!;
        int read = Attempt(_splits[_current].Path, () => stream.Read(_buffer, _end, _buffer.Length - _end));
        _end += read;
        _endOfFile = read == 0;
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
