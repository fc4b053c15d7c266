using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>The input of a task whose chain head reads channels: its gate and where each channel comes from.</summary>
internal abstract class TaskInput(IReadOnlyList<InputChannelInfo> channels)
{
    /// <summary>Where each channel of the gate comes from, in channel order.</summary>
    public IReadOnlyList<InputChannelInfo> Channels { get; } = channels;
}

/// <summary>The typed input of a task reading records of <typeparamref name="T"/>.</summary>
/// <param name="gate">The subtask's input gate.</param>
/// <param name="channels">Where each of its channels comes from.</param>
/// <param name="recordSerializer">The records' serializer chosen at compile time (unaligned checkpoints persist in-flight records), or null.</param>
/// <param name="unserializableRecords">Why the generator found the records cannot be serialized (the DSLF3005 message), or null.</param>
internal sealed class TaskInput<T>(InputGate<T> gate, IReadOnlyList<InputChannelInfo> channels, ISerializer<T>? recordSerializer,
    string? unserializableRecords) : TaskInput(channels)
{
    public InputGate<T> Gate { get; } = gate;

    public ISerializer<T>? RecordSerializer { get; } = recordSerializer;

    public string? UnserializableRecords { get; } = unserializableRecords;
}

/// <summary>The downstream channels one output of a task writes to.</summary>
internal abstract class OutputChannels
{
}

/// <summary>The typed channels of an output carrying <typeparamref name="T"/>.</summary>
internal sealed class OutputChannels<T>(InputChannel<T>[] channels) : OutputChannels
{
    public InputChannel<T>[] Channels { get; } = channels;
}
