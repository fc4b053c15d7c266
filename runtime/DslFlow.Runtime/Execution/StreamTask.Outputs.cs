using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>Output factories that generated chain classes call from <see cref="Open"/> (state factories: StreamTask.State.cs).</summary>
public abstract partial class StreamTask
{
    /// <summary>A forward-or-rebalance writer for output <paramref name="outputIndex"/>.</summary>
    protected ChannelWriter<T> CreateWriter<T>(int outputIndex) => Register(new ChannelWriter<T>(this, ChannelsOf<T>(outputIndex)));

    /// <summary>A key-group writer for output <paramref name="outputIndex"/> (a keyed downstream node).</summary>
    protected KeyGroupWriter<T> CreateKeyGroupWriter<T>(int outputIndex) =>
        Register(new KeyGroupWriter<T>(this, ChannelsOf<T>(outputIndex), Context.Outputs[outputIndex].MaxParallelism));

    /// <summary>A broadcast writer for output <paramref name="outputIndex"/>.</summary>
    protected BroadcastWriter<T> CreateBroadcastWriter<T>(int outputIndex) => Register(new BroadcastWriter<T>(this, ChannelsOf<T>(outputIndex)));

    /// <summary>Opens a chained sink's writer for this subtask.</summary>
    protected SinkOutput<T> CreateSinkOutput<T>(string nodeName, ISink<T> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ISinkWriter<T> writer;
        try
        {
            writer = RestoredWriterStates(nodeName, sink) is { } states
                ? ((ICheckpointedSink<T>)sink).RestoreWriter(Context.ForNode(nodeName), states)
                : sink.CreateWriter(Context.ForNode(nodeName));
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(nodeName, Context.SubtaskIndex, Context.Parallelism, null,
                Context.Restored is { } restored && sink is ICheckpointedSink<T>
                    ? $"could not restore its writer from checkpoint {restored.CheckpointId}" : "could not create its writer", ex);
        }
        return Register(new SinkOutput<T>(this, nodeName, writer, Context.Options.BufferSize));
    }

    /// <summary>
    /// The writer states a checkpointed sink's subtask restores: its own with the parallelism unchanged, else an even
    /// share of every old subtask's (possibly none). Null when the job starts without a checkpoint or the sink keeps none.
    /// </summary>
    private List<byte[]>? RestoredWriterStates<T>(string nodeName, ISink<T> sink)
    {
        if (sink is not ICheckpointedSink<T> || Context.Restored is not { } restored)
        {
            return null;
        }
        IReadOnlyList<State.OperatorListPart> parts = restored.OperatorListState(Checkpointing.RestoredCheckpoint.SinkStateName(nodeName));
        return State.OperatorListRedistribution.Assign(parts, Context.SubtaskIndex, Context.Parallelism, SinkWriterStates.Decode);
    }

    private TOutput Register<TOutput>(TOutput output)
        where TOutput : IOutput
    {
        AddOutput(output);
        return output;
    }

    private InputChannel<T>[] ChannelsOf<T>(int outputIndex)
    {
        if ((uint)outputIndex >= (uint)Context.Outputs.Count)
        {
            throw new InvalidOperationException($"Task '{Context.TaskName}' has no output {outputIndex}.");
        }
        return (Context.Outputs[outputIndex].Channels as OutputChannels<T>)?.Channels
            ?? throw new InvalidOperationException(
                $"Output {outputIndex} of task '{Context.TaskName}' does not carry {typeof(T)}: the generated code and the job graph disagree.");
    }

    /// <summary>Watermarks a task generates (a source's, an assigner's), sent on every output after the records before them.</summary>
    private protected sealed class BroadcastWatermarks(StreamTask task) : Time.IWatermarkOutput
    {
        public void EmitWatermark(long timestamp) =>
            task.BroadcastEvent(timestamp == long.MaxValue ? Time.Watermark.Max : new Time.Watermark(timestamp));

        public void EmitStatus(bool idle) => task.BroadcastEvent(idle ? Time.WatermarkStatus.Idle : Time.WatermarkStatus.Active);
    }
}
