using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Serialization;

namespace DslFlow.Execution;

/// <summary>
/// Channel state at a one-input task, for checkpoints that may be unaligned: the recorder of the buffers barriers
/// overtook, the serializer that persists them, and the restore that replays them before any new record.
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private readonly ChannelStateRecorder<TIn>? _channelState;
    private readonly DslFlow.ISerializer<TIn>? _recordSerializer;

    /// <summary>
    /// Unaligned checkpoints persist in-flight records, so the task's input type needs a serializer: the one the
    /// generator chose, else the run-time lookup. Without one the job cannot start, and says so with the analyzer's
    /// DSLF3005 text: the generator's (which names the member that cannot be saved), or for hand-written tasks the same
    /// frame around the lookup's reason.
    /// </summary>
    private static DslFlow.ISerializer<TIn> RecordSerializer(TaskInput<TIn> input, TaskContext context)
    {
        if (input.RecordSerializer is { } chosen)
        {
            return chosen;
        }
        if (input.UnserializableRecords is { } generated)
        {
            throw new JobConfigurationException($"{SerializationMessages.NotSerializable}: {generated}");
        }
        try
        {
            return Serializers.For<TIn>();
        }
        catch (NotSupportedException ex)
        {
            List<string> edges = [.. context.Graph.InputsOf(context.ChainIndex).Select(e => SerializationMessages.Edge(e.From, e.To))];
            throw new JobConfigurationException($"{SerializationMessages.NotSerializable}: "
                + SerializationMessages.InFlightRecords(TypeNames.Display(typeof(TIn)), edges, ex.Message), ex);
        }
    }

    /// <summary>
    /// Replays the in-flight records of a restored unaligned checkpoint into the channels they belong to now, before
    /// any new record (<see cref="ChannelStateRedistribution"/>: own channels, or after rescaling the records of the key
    /// groups this subtask owns and an even share of the others).
    /// </summary>
    private void RestoreChannelState()
    {
        if (Context.Restored is not { } restored || restored.ChannelStates(Context.TaskName) is not { Count: > 0 } parts)
        {
            return;
        }
        List<TIn[]>[] channels;
        try
        {
            channels = ChannelStateRedistribution.Assign(parts, Context.SubtaskIndex, Context.Parallelism, _input.Channels,
                bytes => ChannelStateRecorder<TIn>.Decode(bytes, _recordSerializer!), KeyGroupOf, Context.KeyGroupRange, Context.TaskName);
        }
        catch (Exception ex) when (ex is DslFlow.Serialization.StateFormatException or InvalidOperationException)
        {
            throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                $"could not restore its in-flight records from checkpoint {restored.CheckpointId}", ex);
        }
        for (int c = 0; c < channels.Length; c++)
        {
            foreach (TIn[] records in channels[c])
            {
                Gate.EnqueueRecovered(c, records, records.Length);
            }
        }
    }
}
