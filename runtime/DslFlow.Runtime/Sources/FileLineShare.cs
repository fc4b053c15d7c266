using DslFlow.Serialization;

namespace DslFlow;

/// <summary>
/// One origin subtask's share of a <see cref="FileLineSource"/>: its splits in reading order (finished ones stay, so
/// they are never read again), the index of the split being read, and the paths of the first listing that other
/// shares own, so a share knows every file it must not read (new files are logged, or discovered, exactly). This is
/// the reader's checkpointed position and the authority on restore.
/// </summary>
/// <remarks>
/// Encoding, version 1: <c>byte 1, varuint current, varint offset of the current split, varuint count, count ×
/// (string path, varint end, varint last-write ticks, u64 inode, varint offset), varuint others, others × string
/// path</c>. Everything from <c>count</c> on changes only when a split ends or is added, so it is encoded once then and
/// copied before every batch.
/// </remarks>
internal sealed class FileLineShare
{
    /// <summary>The only position encoding this version reads and writes.</summary>
    public const byte FormatVersion = 1;

    private readonly List<FileSplit> _splits;
    private readonly string[] _others;
    private readonly HashSet<string> _known;
    private byte[]? _encodedLists;

    public FileLineShare(IEnumerable<FileSplit> splits, IEnumerable<string> others, int current = 0)
    {
        _splits = [.. splits];
        _others = [.. others];
        _known = new HashSet<string>(_others, FileLineSource.PathComparer);
        _known.UnionWith(_splits.Select(s => s.Path));
        Current = current;
    }

    /// <summary>The splits in reading order.</summary>
    public IReadOnlyList<FileSplit> Splits => _splits;

    /// <summary>Paths of the first listing that other shares read.</summary>
    public IReadOnlyList<string> Others => _others;

    /// <summary>Index of the split being (or next to be) read; <see cref="Splits"/>.Count when all are read.</summary>
    public int Current { get; private set; }

    /// <summary>True when every split was read.</summary>
    public bool IsDone => Current >= _splits.Count;

    /// <summary>True when <paramref name="path"/> is a split of this share or a file of the first listing.</summary>
    public bool Knows(string path) => _known.Contains(path);

    /// <summary>Records where split <paramref name="index"/> stands.</summary>
    public void SetOffset(int index, long offset)
    {
        _splits[index] = _splits[index] with { Offset = offset };
        _encodedLists = null;
    }

    /// <summary>The current split ended at <paramref name="offset"/> (its end, or where it was skipped): move on.</summary>
    public void Advance(long offset)
    {
        SetOffset(Current, offset);
        Current++;
    }

    /// <summary>Appends discovered splits (after every existing one, so positions already taken stay valid).</summary>
    public void Add(IEnumerable<FileSplit> splits)
    {
        foreach (FileSplit split in splits)
        {
            if (_known.Add(split.Path))
            {
                _splits.Add(split);
                _encodedLists = null;
            }
        }
    }

    /// <summary>Writes the position: the current split at <paramref name="currentOffset"/>.</summary>
    public void Write(ref StateWriter writer, long currentOffset)
    {
        writer.WriteByte(FormatVersion);
        writer.WriteIndex(Current);
        writer.WriteVarInt64(IsDone ? 0 : currentOffset);
        writer.WriteRaw(_encodedLists ??= EncodeLists());
    }

    /// <summary>Reads what <see cref="Write"/> wrote, with the current split at its written offset.</summary>
    /// <exception cref="StateFormatException">The bytes are not a version-1 file-line position.</exception>
    public static FileLineShare Read(ReadOnlySpan<byte> position)
    {
        var reader = new StateReader(position);
        byte version = reader.ReadByte();
        if (version != FormatVersion)
        {
            throw reader.Malformed($"a FileLineSource position of format version {version}; this version reads only version "
                + $"{FormatVersion} (a checkpoint written before file splits carried their identity cannot be resumed: start fresh)");
        }
        int current = reader.ReadIndex();
        long currentOffset = reader.ReadVarInt64();
        int count = reader.ReadLength();
        var splits = new List<FileSplit>(reader.SafeCapacity(count));
        for (int k = 0; k < count; k++)
        {
            string path = ReadPath(ref reader);
            long end = reader.ReadVarInt64();
            long lastWrite = reader.ReadVarInt64();
            ulong inode = reader.ReadUInt64();
            long offset = reader.ReadVarInt64();
            if (end < 0 || offset < 0)
            {
                throw reader.Malformed($"split {k} ('{path}') has end {end} and offset {offset}");
            }
            splits.Add(new FileSplit(path, new FileIdentity(end, lastWrite, inode), k == current ? currentOffset : offset));
        }
        int otherCount = reader.ReadLength();
        var others = new List<string>(reader.SafeCapacity(otherCount));
        for (int k = 0; k < otherCount; k++)
        {
            others.Add(ReadPath(ref reader));
        }
        reader.ExpectEnd();
        if (current > count || currentOffset < 0)
        {
            throw reader.Malformed($"the current split {current} at offset {currentOffset} is outside the share's {count} splits");
        }
        return new FileLineShare(splits, others, current);
    }

    private static string ReadPath(ref StateReader reader) =>
        StringSerializer.Instance.Read(ref reader) is { Length: > 0 } path ? path : throw reader.Malformed("a file split has no path");

    private byte[] EncodeLists()
    {
        using var buffer = new StateBuffer(64 + (_splits.Count + _others.Length) * 64);
        var writer = new StateWriter(buffer);
        writer.WriteLength(_splits.Count);
        foreach (FileSplit split in _splits)
        {
            StringSerializer.Instance.Write(ref writer, split.Path);
            writer.WriteVarInt64(split.End);
            writer.WriteVarInt64(split.Listed.LastWriteTicks);
            writer.WriteUInt64(split.Listed.Inode);
            writer.WriteVarInt64(split.Offset);
        }
        writer.WriteLength(_others.Length);
        foreach (string path in _others)
        {
            StringSerializer.Instance.Write(ref writer, path);
        }
        return buffer.ToArray();
    }
}
