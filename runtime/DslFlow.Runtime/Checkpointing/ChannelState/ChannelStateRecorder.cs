using DslFlow.Channels;
using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>
/// Records the channel state of one unaligned checkpoint at a task's input (Flink's channel state writer): per
/// channel, every buffer that precedes the channel's barrier but was not processed before the task's snapshot — the
/// unprocessed rest of the buffer in hand, the buffers the barrier overtook (still queued, or in the sender's backlog),
/// and the buffers taken from the channel after the snapshot but before its barrier arrived. Buffers are compared by
/// sequence number with the barrier's, so a buffer sent after the barrier is never recorded. Used on the task thread.
/// </summary>
internal sealed class ChannelStateRecorder<T>(InputGate<T> gate)
{
    private readonly List<QueuedBuffer<T>>[] _channels = Enumerable.Range(0, gate.Channels.Count).Select(_ => new List<QueuedBuffer<T>>()).ToArray();
    private readonly bool[] _pending = new bool[gate.Channels.Count];
    private int _pendingCount;

    /// <summary>True while some channel's barrier has not arrived.</summary>
    public bool IsRecording => _pendingCount > 0;

    /// <summary>True when <paramref name="channel"/> still waits for the barrier of the checkpoint being recorded.</summary>
    public bool IsPending(int channel) => _pending[channel];

    /// <summary>
    /// Starts recording at the task's unaligned snapshot (the barrier handler knows which checkpoint): every channel that
    /// has not ended waits for its barrier; <paramref name="rest"/> is the unprocessed part of the buffer in hand, if any.
    /// </summary>
    public void Start((int Channel, long Sequence, T[] Records)? rest)
    {
        Reset();
        for (int c = 0; c < _pending.Length; c++)
        {
            _pending[c] = !gate.Channels[c].Ended;
            _pendingCount += _pending[c] ? 1 : 0;
        }
        if (rest is { } r && _pending[r.Channel])
        {
            _channels[r.Channel].Add(new QueuedBuffer<T>(r.Sequence, r.Records));
        }
    }

    /// <summary>A buffer was taken from a channel: if its barrier has not arrived yet, the buffer may precede it.</summary>
    public void OnBufferTaken(int channel, long sequence, T[] records, int count)
    {
        if (_pending[channel])
        {
            _channels[channel].Add(new QueuedBuffer<T>(sequence, records.AsSpan(0, count).ToArray()));
        }
    }

    /// <summary>The channel delivered the barrier (sequence <paramref name="barrierSequence"/>): its state is complete.</summary>
    public void OnBarrier(int channel, long barrierSequence)
    {
        if (!_pending[channel])
        {
            return;
        }
        List<QueuedBuffer<T>> state = _channels[channel];
        state.RemoveAll(b => b.Sequence > barrierSequence); // taken after the barrier was sent: not in this checkpoint
        state.AddRange(gate.ListQueuedBuffers(channel, barrierSequence)); // overtaken by the barrier
        Complete(channel);
    }

    /// <summary>
    /// The channel owes no more channel state: it delivered its barrier in order before the snapshot, or it ended before
    /// its barrier (everything taken from it since the snapshot preceded the barrier it never sent).
    /// </summary>
    public void MarkDelivered(int channel)
    {
        if (_pending[channel])
        {
            Complete(channel);
        }
    }

    /// <summary>Drops what was recorded (the checkpoint was aborted or abandoned).</summary>
    public void Reset()
    {
        foreach (List<QueuedBuffer<T>> state in _channels)
        {
            state.Clear();
        }
        Array.Clear(_pending);
        _pendingCount = 0;
    }

    /// <summary>
    /// Encodes the recorded state with the layout of the task's input (<paramref name="channels"/>, one per gate
    /// channel) and clears the recording. Format: <c>varint channels</c>, then per channel <c>string from,
    /// varint upstream subtask, byte partitioning, varint buffers</c> and per buffer <c>varint count</c> and the records.
    /// </summary>
    public byte[] Encode(ISerializer<T> serializer, IReadOnlyList<InputChannelInfo> channels)
    {
        using var buffer = new StateBuffer(1024);
        var writer = new StateWriter(buffer);
        writer.WriteVarUInt32((uint)_channels.Length);
        for (int c = 0; c < _channels.Length; c++)
        {
            StringSerializer.Instance.Write(ref writer, channels[c].From);
            writer.WriteIndex(channels[c].UpstreamSubtask);
            writer.WriteByte((byte)channels[c].Partitioning);
            List<QueuedBuffer<T>> state = _channels[c];
            writer.WriteVarUInt32((uint)state.Count);
            foreach (QueuedBuffer<T> b in state.OrderBy(b => b.Sequence))
            {
                writer.WriteVarUInt32((uint)b.Records.Length);
                foreach (T record in b.Records)
                {
                    int start = writer.BytesWritten;
                    serializer.Write(ref writer, record);
                    writer.CountElement(start);
                }
            }
        }
        Reset();
        return buffer.ToArray();
    }

    /// <summary>Decodes <see cref="Encode"/>'s bytes: each recorded channel's origin and its buffers, in order.</summary>
    /// <exception cref="StateFormatException">The bytes are damaged.</exception>
    public static List<RecordedChannel<T>> Decode(ReadOnlySpan<byte> bytes, ISerializer<T> serializer)
    {
        var reader = new StateReader(bytes);
        int channels = reader.ReadLength();
        var result = new List<RecordedChannel<T>>(reader.SafeCapacity(channels));
        for (int c = 0; c < channels; c++)
        {
            string from = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed($"channel {c} names no upstream node");
            int upstream = reader.ReadIndex();
            var partitioning = (EdgePartitioning)reader.ReadByte();
            if (!Enum.IsDefined(partitioning))
            {
                throw reader.Malformed($"channel {c} has an unknown partitioning {(int)partitioning}");
            }
            int buffers = reader.ReadLength();
            var list = new List<T[]>(reader.SafeCapacity(buffers));
            for (int b = 0; b < buffers; b++)
            {
                int count = reader.ReadLength();
                var records = new List<T>(reader.SafeCapacity(count)); // a damaged count cannot allocate more than the input holds
                for (int r = 0; r < count; r++)
                {
                    int start = reader.Position;
                    records.Add(serializer.Read(ref reader));
                    reader.CountElement(start); // records that take no bytes are bounded by count, not by the input
                }
                list.Add([.. records]);
            }
            result.Add(new RecordedChannel<T>(new InputChannelInfo(from, upstream, partitioning), list));
        }
        reader.ExpectEnd();
        return result;
    }

    private void Complete(int channel)
    {
        _pending[channel] = false;
        _pendingCount--;
    }
}
