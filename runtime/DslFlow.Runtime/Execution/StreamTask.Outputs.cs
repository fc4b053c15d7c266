using DslFlow.Channels;
using DslFlow.State;

namespace DslFlow.Execution;

/// <summary>Factories that generated chain classes call from <see cref="Open"/>.</summary>
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
            writer = sink.CreateWriter(Context.ForNode(nodeName));
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(nodeName, Context.SubtaskIndex, Context.Parallelism, null,
                "could not create its writer", ex);
        }
        return Register(new SinkOutput<T>(this, nodeName, writer, Context.Options.BufferSize));
    }

    /// <summary>
    /// Creates the table of one keyed list- or map-state parameter over this subtask's key groups. Without
    /// serializers, snapshots look them up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected KeyedStateTable<TKey, TCell> CreateKeyedState<TKey, TCell>(string stateName,
        ISerializer<TKey>? keySerializer = null, ISerializer<TCell>? cellSerializer = null)
        where TKey : notnull
        where TCell : class, IStateCell, new()
    {
        var table = new KeyedStateTable<TKey, TCell>(stateName, Context.KeyGroupRange);
        RegisterState(new CellStateSnapshot<TKey, TCell>(table, keySerializer, cellSerializer));
        return table;
    }

    /// <summary>
    /// Creates the table of one keyed <see cref="ValueState{T}"/> parameter over this subtask's key groups. Without
    /// serializers, snapshots look them up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected KeyedValueTable<TKey, T> CreateValueState<TKey, T>(string stateName,
        ISerializer<TKey>? keySerializer = null, ISerializer<T>? valueSerializer = null)
        where TKey : notnull
    {
        var table = new KeyedValueTable<TKey, T>(stateName, Context.KeyGroupRange);
        RegisterState(new ValueStateSnapshot<TKey, T>(table, keySerializer, valueSerializer));
        return table;
    }

    /// <summary>
    /// Creates one operator list state of this subtask (a node's <see cref="OperatorListState{T}"/> parameter, keyed or
    /// not). Checkpoints save it under <paramref name="stateName"/>, <c>Node.parameter</c>; a restore gives each subtask
    /// its own list back, or an even split of all old lists when the parallelism changed. Without a serializer,
    /// snapshots look it up at run time (<see cref="Serialization.Serializers.For{T}"/>).
    /// </summary>
    protected OperatorListState<T> CreateOperatorListState<T>(string stateName, ISerializer<T>? elementSerializer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(stateName);
        CheckNewStateName(stateName);
        var state = new OperatorListState<T>();
        _operatorStates.Add(new OperatorListStateSnapshot<T>(stateName, state, elementSerializer));
        return state;
    }

    private void RegisterState(IKeyedStateSnapshot state)
    {
        CheckNewStateName(state.Name);
        _states.Add(state);
    }

    private void CheckNewStateName(string name)
    {
        if (_states.Any(s => s.Name == name) || _operatorStates.Any(s => s.Name == name))
        {
            throw new InvalidOperationException($"Task '{Context.TaskName}' declares state '{name}' twice: the generated code and the job graph disagree.");
        }
    }

    private TOutput Register<TOutput>(TOutput output)
        where TOutput : IOutput
    {
        AddOutput(output);
        return output;
    }

    private InputChannel<T>[] ChannelsOf<T>(int outputIndex)
    {
        if ((uint)outputIndex >= (uint)Context.Outputs.Length)
        {
            throw new InvalidOperationException($"Task '{Context.TaskName}' has no output {outputIndex}.");
        }
        return Context.Outputs[outputIndex].Channels as InputChannel<T>[]
            ?? throw new InvalidOperationException(
                $"Output {outputIndex} of task '{Context.TaskName}' does not carry {typeof(T)}: the generated code and the job graph disagree.");
    }
}
