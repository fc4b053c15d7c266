using DslFlow.Messages;
using DslFlow.Serialization;

namespace DslFlow.Execution;

/// <summary>
/// One unit of a source's work in a checkpoint: the share of subtask <see cref="OriginSubtask"/> of
/// <see cref="OriginParallelism"/> when the job first ran, resumed at <see cref="Position"/> (what its reader wrote
/// with <see cref="ICheckpointedReader.WritePosition"/> before the batch in flight at the checkpoint, or at the
/// checkpoint when none was), after which the first <see cref="Skip"/> records were already emitted. A source subtask keeps a list of them (one when the job never
/// rescaled); a restore into another parallelism splits the lists of every old subtask evenly over the new ones,
/// so a share is never read twice or lost, and records of one share stay in order.
/// </summary>
internal sealed record SourceSplit(int OriginSubtask, int OriginParallelism, long Skip, byte[] Position)
{
    /// <summary>Encodes a subtask's splits: <c>varint count, count × (varint subtask, varint parallelism, varint skip, bytes position)</c>.</summary>
    public static byte[] EncodeList(IReadOnlyList<SourceSplit> splits)
    {
        using var buffer = new StateBuffer(16 + splits.Sum(s => s.Position.Length + 16));
        var writer = new StateWriter(buffer);
        writer.WriteVarUInt32((uint)splits.Count);
        foreach (SourceSplit split in splits)
        {
            writer.WriteIndex(split.OriginSubtask);
            writer.WriteIndex(split.OriginParallelism);
            writer.WriteVarInt64(split.Skip);
            writer.WriteLength(split.Position.Length);
            writer.WriteRaw(split.Position);
        }
        return buffer.ToArray();
    }

    /// <summary>Decodes what <see cref="EncodeList"/> wrote.</summary>
    /// <exception cref="StateFormatException">The bytes are not a list of source splits.</exception>
    public static List<SourceSplit> DecodeList(byte[] bytes)
    {
        var reader = new StateReader(bytes);
        int count = reader.ReadLength();
        var splits = new List<SourceSplit>(reader.SafeCapacity(count));
        for (int i = 0; i < count; i++)
        {
            int subtask = reader.ReadIndex();
            int parallelism = reader.ReadIndex();
            long skip = reader.ReadVarInt64();
            if (parallelism < 1 || subtask >= parallelism || skip < 0)
            {
                throw reader.Malformed($"source split {i} ({SubtaskNames.Of(subtask, parallelism)}, {skip} records to skip) is not a valid split");
            }
            byte[] position = reader.ReadBytes(reader.ReadLength()).ToArray();
            splits.Add(new SourceSplit(subtask, parallelism, skip, position));
        }
        reader.ExpectEnd();
        return splits;
    }
}

/// <summary>A reader of one <see cref="SourceSplit"/> (or of a fresh subtask's share) inside a source task.</summary>
internal sealed class SourceSplitReader<T>(ISourceReader<T> reader, int originSubtask, int originParallelism, long skip) : IDisposable
{
    private StateBuffer? _batchStart;

    public ISourceReader<T> Reader { get; } = reader;

    public int OriginSubtask { get; } = originSubtask;

    public int OriginParallelism { get; } = originParallelism;

    /// <summary>Records the reader returns again that were emitted before the restored checkpoint.</summary>
    public long Skip { get; set; } = skip;

    /// <summary>The reader returned its end of input.</summary>
    public bool Ended { get; set; }

    /// <summary>The reader had nothing available at its last read.</summary>
    public bool Idle { get; set; }

    /// <summary>The split's event time, when the source assigns timestamps.</summary>
    public Time.SplitWatermarks.Split? EventTime { get; set; }

    /// <summary>True when the reader can say where it is (its source is checkpointed).</summary>
    public bool IsPositioned => _batchStart is not null;

    /// <summary>Starts tracking the reader's position (checkpoints on, checkpointed source).</summary>
    public void TrackPosition()
    {
        if (Reader is ICheckpointedReader)
        {
            _batchStart = new StateBuffer(64);
            CaptureBatchStart();
        }
    }

    /// <summary>Remembers where the next batch starts (before each read).</summary>
    public void CaptureBatchStart()
    {
        if (_batchStart is null)
        {
            return;
        }
        _batchStart.Reset();
        var writer = new StateWriter(_batchStart);
        ((ICheckpointedReader)Reader).WritePosition(ref writer);
    }

    /// <summary>This reader's split in a checkpoint, with <paramref name="emitted"/> records of its batch already sent.</summary>
    public SourceSplit ToSplit(int emitted) =>
        new(OriginSubtask, OriginParallelism, emitted + Skip, _batchStart!.WrittenSpan.ToArray());

    /// <summary>
    /// This reader's split in a checkpoint taken between two of its batches (every record it returned went out): its
    /// position now, with the records still to drop after a restore.
    /// </summary>
    public SourceSplit ToSplitBetweenBatches()
    {
        using var buffer = new StateBuffer(Math.Max(64, _batchStart!.WrittenSpan.Length));
        var writer = new StateWriter(buffer);
        ((ICheckpointedReader)Reader).WritePosition(ref writer);
        return new(OriginSubtask, OriginParallelism, Skip, buffer.ToArray());
    }

    public void Dispose()
    {
        _batchStart?.Dispose();
        Reader.Dispose();
    }
}
