using System.ComponentModel;
using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>Creates the tasks of one chain, and the typed input gates and channel arrays they use.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class ChainFactory
{
    private protected ChainFactory(Func<TaskContext, StreamTask> create) => Create = create ?? throw new ArgumentNullException(nameof(create));

    internal Func<TaskContext, StreamTask> Create { get; }

    /// <summary>A chain whose head is a source.</summary>
    public static ChainFactory Source(Func<TaskContext, StreamTask> create) => new SourceChainFactory(create);

    /// <summary>A chain whose head reads records of <typeparamref name="TIn"/>.</summary>
    /// <param name="create">Creates one subtask's task.</param>
    /// <param name="recordSerializer">
    /// The serializer of the input records, chosen at compile time, which unaligned checkpoints use to persist records
    /// in flight; null looks one up at run time (<see cref="Serialization.Serializers.For{T}"/>) when it is needed.
    /// </param>
    public static ChainFactory OneInput<TIn>(Func<TaskContext, StreamTask> create, ISerializer<TIn>? recordSerializer = null) =>
        new OneInputChainFactory<TIn>(create, recordSerializer);

    /// <summary>The input records' serializer the generator chose, or null.</summary>
    internal virtual object? RecordSerializer => null;

    internal abstract object? CreateGate(int channelCount, PipelineOptions options);

    /// <summary>Builds the typed channel array a producer writes to: channel <c>indices[j]</c> of <c>gates[j]</c>.</summary>
    internal abstract object SelectChannels(IReadOnlyList<object> gates, IReadOnlyList<int> indices);

    private sealed class SourceChainFactory(Func<TaskContext, StreamTask> create) : ChainFactory(create)
    {
        internal override object? CreateGate(int channelCount, PipelineOptions options) => null;

        internal override object SelectChannels(IReadOnlyList<object> gates, IReadOnlyList<int> indices) =>
            throw new InvalidOperationException("A source chain has no input.");
    }

    private sealed class OneInputChainFactory<TIn>(Func<TaskContext, StreamTask> create, ISerializer<TIn>? recordSerializer) : ChainFactory(create)
    {
        internal override object? RecordSerializer => recordSerializer;

        internal override object? CreateGate(int channelCount, PipelineOptions options) =>
            new InputGate<TIn>(channelCount, options.ExclusiveCreditsPerChannel, options.FloatingCreditsPerGate, options.BufferSize);

        internal override object SelectChannels(IReadOnlyList<object> gates, IReadOnlyList<int> indices)
        {
            var channels = new InputChannel<TIn>[gates.Count];
            for (int j = 0; j < channels.Length; j++)
            {
                channels[j] = (InputChannel<TIn>)((InputGate<TIn>)gates[j]).Channels[indices[j]];
            }
            return channels;
        }
    }
}
