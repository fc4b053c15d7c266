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
    /// <param name="unserializableRecords">
    /// Why the input records cannot be serialized, found at compile time (the analyzer's DSLF3005 message): unaligned
    /// checkpoints turned on by the options then refuse to start with this text. Null when not known.
    /// </param>
    public static ChainFactory OneInput<TIn>(Func<TaskContext, StreamTask> create, ISerializer<TIn>? recordSerializer = null,
        string? unserializableRecords = null) =>
        new OneInputChainFactory<TIn>(create, recordSerializer, unserializableRecords);

    /// <summary>The input of one subtask: a new gate of <paramref name="layout"/>'s channels (null for a source).</summary>
    internal abstract TaskInput? CreateInput(InputChannelInfo[] layout, PipelineOptions options);

    /// <summary>Builds the typed channels a producer writes to: channel <c>indices[j]</c> of <c>inputs[j]</c>'s gate.</summary>
    internal abstract OutputChannels SelectChannels(IReadOnlyList<TaskInput> inputs, IReadOnlyList<int> indices);

    private sealed class SourceChainFactory(Func<TaskContext, StreamTask> create) : ChainFactory(create)
    {
        internal override TaskInput? CreateInput(InputChannelInfo[] layout, PipelineOptions options) => null;

        internal override OutputChannels SelectChannels(IReadOnlyList<TaskInput> inputs, IReadOnlyList<int> indices) =>
            throw new InvalidOperationException("A source chain has no input.");
    }

    private sealed class OneInputChainFactory<TIn>(Func<TaskContext, StreamTask> create, ISerializer<TIn>? recordSerializer,
        string? unserializableRecords) : ChainFactory(create)
    {
        internal override TaskInput? CreateInput(InputChannelInfo[] layout, PipelineOptions options) =>
            layout.Length == 0 ? null : new TaskInput<TIn>(
                new InputGate<TIn>(layout.Length, options.ExclusiveCreditsPerChannel, options.FloatingCreditsPerGate, options.BufferSize),
                layout, recordSerializer, unserializableRecords);

        internal override OutputChannels SelectChannels(IReadOnlyList<TaskInput> inputs, IReadOnlyList<int> indices)
        {
            var channels = new InputChannel<TIn>[inputs.Count];
            for (int j = 0; j < channels.Length; j++)
            {
                channels[j] = ((TaskInput<TIn>)inputs[j]).Gate.Channels[indices[j]];
            }
            return new OutputChannels<TIn>(channels);
        }
    }
}
