using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>How a state entry is redistributed when a checkpoint is restored.</summary>
internal enum StateScope : byte
{
    /// <summary>Keyed state, organised by key group: every new subtask reads every old subtask's entry and keeps its groups.</summary>
    Keyed = 1,

    /// <summary>Reserved: state restored only into the subtask of the same index (no state uses it; source positions are split lists).</summary>
    Subtask = 2,

    /// <summary>
    /// An operator list state of one subtask (<see cref="OperatorListState{T}"/>), the list serialized with its element
    /// serializer, or a source subtask's list of splits (<see cref="Execution.SourceSplit"/>): restored into the subtask of the same index when the parallelism is unchanged, otherwise the lists
    /// of all old subtasks, concatenated in subtask order, are split evenly into contiguous parts.
    /// </summary>
    OperatorList = 3,

    /// <summary>
    /// In-flight buffers of an unaligned checkpoint at one subtask's input, per channel: replayed into the same
    /// channels of the subtask of the same index before any new record.
    /// </summary>
    ChannelState = 4,
}

/// <summary>
/// One named state of a subtask's snapshot. <see cref="Descriptor"/> says what it holds and how it is serialized
/// (for example <c>ValueState&lt;long&gt; keyed by string</c>): a restore compares it with what the job declares now,
/// so a state whose type changed is refused with a message instead of being decoded as garbage. Null for source
/// positions and channel state, and in checkpoints written before descriptors existed.
/// </summary>
internal sealed record StateEntry(string Name, StateScope Scope, byte[] Bytes)
{
    public string? Descriptor { get; init; }
}

/// <summary>
/// Everything one subtask wrote for one checkpoint, stored as one state file: where the subtask sat (index,
/// parallelism, key groups) and its named states. Named by state (<c>Count.count</c>, <c>source/Lines</c>), not by
/// task, so a restore finds a state even when chaining or parallelism changed. The payload is a
/// <see cref="StateBlob"/>: <c>varint subtask, varint parallelism, varint maxParallelism, varint count,
/// count × (string name, byte scope, length-prefixed bytes)</c>, then <c>count × (nullable string descriptor)</c> (absent in
/// snapshots written before descriptors existed, which read back with null descriptors).
/// </summary>
internal sealed record TaskStateSnapshot(int SubtaskIndex, int Parallelism, int MaxParallelism, IReadOnlyList<StateEntry> States)
{
    public byte[] Encode()
    {
        using var payload = new StateBuffer(256 + States.Sum(s => s.Bytes.Length + s.Name.Length + 8));
        var writer = new StateWriter(payload);
        writer.WriteVarUInt32((uint)SubtaskIndex);
        writer.WriteVarUInt32((uint)Parallelism);
        writer.WriteVarUInt32((uint)MaxParallelism);
        writer.WriteVarUInt32((uint)States.Count);
        foreach (StateEntry state in States)
        {
            StringSerializer.Instance.Write(ref writer, state.Name);
            writer.WriteByte((byte)state.Scope);
            writer.WriteLength(state.Bytes.Length);
            writer.WriteRaw(state.Bytes);
        }
        foreach (StateEntry state in States)
        {
            StringSerializer.Instance.Write(ref writer, state.Descriptor);
        }
        using var framed = new StateBuffer(payload.WrittenCount + StateBlob.HeaderLength);
        StateBlob.Write(framed, payload.WrittenSpan);
        return framed.ToArray();
    }

    /// <summary>Decodes a state file's payload.</summary>
    /// <exception cref="StateFormatException">The bytes are not a task snapshot of this format.</exception>
    public static TaskStateSnapshot Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new StateReader(StateBlob.Read(bytes));
        int subtask = (int)reader.ReadVarUInt32();
        int parallelism = (int)reader.ReadVarUInt32();
        int maxParallelism = (int)reader.ReadVarUInt32();
        if (parallelism < 1 || subtask >= parallelism || maxParallelism < 1)
        {
            throw reader.Malformed($"subtask {subtask} of parallelism {parallelism} with {maxParallelism} key groups is not a valid position");
        }
        int count = reader.ReadLength();
        var states = new List<StateEntry>(reader.SafeCapacity(count));
        for (int i = 0; i < count; i++)
        {
            string name = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a state has no name");
            var scope = (StateScope)reader.ReadByte();
            if (!Enum.IsDefined(scope))
            {
                throw reader.Malformed($"state '{name}' has an unknown scope {(byte)scope}");
            }
            byte[] data = reader.ReadBytes(reader.ReadLength()).ToArray();
            states.Add(new StateEntry(name, scope, data));
        }
        if (reader.Remaining > 0)
        {
            for (int i = 0; i < states.Count; i++)
            {
                states[i] = states[i] with { Descriptor = StringSerializer.Instance.Read(ref reader) };
            }
        }
        reader.ExpectEnd();
        return new TaskStateSnapshot(subtask, parallelism, maxParallelism, states);
    }
}
