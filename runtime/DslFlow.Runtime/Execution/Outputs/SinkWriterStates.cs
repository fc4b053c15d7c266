using DslFlow.Serialization;

namespace DslFlow.Execution;

/// <summary>
/// A checkpointed sink's writer states in a checkpoint: each subtask stores an operator list of one element, its
/// writer's state, so a rescale hands whole writer states to the new subtasks (even split, <see cref="State.OperatorListRedistribution"/>).
/// Encoded as <c>varint count, count × (varint length, bytes)</c>.
/// </summary>
internal static class SinkWriterStates
{
    /// <summary>One writer's state as a list of one element.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> state)
    {
        using var buffer = new StateBuffer(state.Length + 8);
        var writer = new StateWriter(buffer);
        writer.WriteVarUInt32(1);
        writer.WriteLength(state.Length);
        writer.WriteRaw(state);
        return buffer.ToArray();
    }

    /// <summary>Decodes what <see cref="Encode"/> wrote.</summary>
    /// <exception cref="StateFormatException">The bytes are not a list of writer states.</exception>
    public static List<byte[]> Decode(byte[] bytes)
    {
        var reader = new StateReader(bytes);
        int count = reader.ReadLength();
        var states = new List<byte[]>(reader.SafeCapacity(count));
        for (int i = 0; i < count; i++)
        {
            states.Add(reader.ReadBytes(reader.ReadLength()).ToArray());
        }
        reader.ExpectEnd();
        return states;
    }
}

/// <summary>An output that keeps state in checkpoints (a checkpointed sink's writer).</summary>
internal interface ICheckpointedOutput
{
    /// <summary>Adds the output's state as of the barrier of <paramref name="checkpointId"/>.</summary>
    void SnapshotState(long checkpointId, List<Checkpointing.StateEntry> states);
}
