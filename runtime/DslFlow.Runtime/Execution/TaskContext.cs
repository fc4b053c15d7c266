using System.ComponentModel;
using Microsoft.Extensions.Logging;

namespace DslFlow.Execution;

/// <summary>Where a subtask sits in the job: its chain, index, parallelism, key groups, input and outputs.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TaskContext
{
    internal TaskContext(JobGraph graph, int chainIndex, int subtaskIndex, int parallelism, int maxParallelism,
        PipelineOptions options, PipelineContext pipeline, CancellationToken cancellation)
    {
        Graph = graph;
        ChainIndex = chainIndex;
        SubtaskIndex = subtaskIndex;
        Parallelism = parallelism;
        MaxParallelism = maxParallelism;
        Options = options;
        Pipeline = pipeline;
        Cancellation = cancellation;
        KeyGroupRange = KeyGroups.RangeOf(subtaskIndex, parallelism, Math.Max(parallelism, maxParallelism));
        Logger = options.LoggerFactory.CreateLogger("DslFlow.Task." + TaskName);
    }

    /// <summary>The job graph.</summary>
    public JobGraph Graph { get; }

    /// <summary>Index of this task's chain in <see cref="JobGraph.Chains"/>.</summary>
    public int ChainIndex { get; }

    /// <summary>The chain's name.</summary>
    public string TaskName => Graph.Chains[ChainIndex].Name;

    /// <summary>Index of this parallel instance.</summary>
    public int SubtaskIndex { get; }

    /// <summary>Number of parallel instances of the chain.</summary>
    public int Parallelism { get; }

    /// <summary>Number of key groups of the job.</summary>
    public int MaxParallelism { get; }

    /// <summary>The key groups this subtask owns when its head is keyed.</summary>
    public KeyGroupRange KeyGroupRange { get; }

    /// <summary>The job's options.</summary>
    public PipelineOptions Options { get; }

    /// <summary>Passed to node factory methods.</summary>
    public PipelineContext Pipeline { get; }

    /// <summary>Cancelled when the job stops.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>The task's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>True when checkpoints are unaligned: barriers overtake in-flight data, which is persisted as channel state.</summary>
    public bool Unaligned { get; internal set; }

    /// <summary>
    /// With unaligned checkpoints, the aligned-checkpoint timeout: a checkpoint starts aligned and switches to unaligned
    /// when its alignment is not done this long after the trigger. Null: unaligned from the start.
    /// </summary>
    public TimeSpan? AlignedTimeout { get; internal set; }

    /// <summary>How barriers are handled: aligned (exactly-once) or counted (at-least-once).</summary>
    public CheckpointingMode CheckpointingMode { get; internal set; } = CheckpointingMode.ExactlyOnce;

    internal object? InputGate { get; set; }

    /// <summary>Where each channel of <see cref="InputGate"/> comes from, in channel order (empty for a source).</summary>
    internal Channels.InputChannelInfo[] InputChannels { get; set; } = [];

    /// <summary>The input records' serializer chosen at compile time (an <c>ISerializer&lt;TIn&gt;</c>), or null.</summary>
    internal object? RecordSerializer { get; set; }

    /// <summary>Reports this subtask's snapshot of a checkpoint to the coordinator (null when checkpoints are off).</summary>
    internal Action<long, IReadOnlyList<Checkpointing.StateHandle>, Checkpointing.SubtaskCheckpointStats>? AcknowledgeCheckpoint { get; set; }

    /// <summary>Where the subtask writes its state snapshots (null when checkpoints are off).</summary>
    internal Checkpointing.ICheckpointStorage? CheckpointStorage { get; set; }

    /// <summary>Tells the job that this subtask's input ended and it waits for its final checkpoint.</summary>
    internal Action? WaitingForFinalCheckpoint { get; set; }

    /// <summary>Tells the coordinator this subtask cannot take a checkpoint.</summary>
    internal Action<long, string, Checkpointing.CheckpointFailureCategory, Checkpointing.SubtaskCheckpointStats?>? DeclineCheckpoint { get; set; }

    internal OutputSpec[] Outputs { get; set; } = [];

    /// <summary>The checkpoint this run restores (null when it starts without one).</summary>
    internal Checkpointing.RestoredCheckpoint? Restored { get; set; }

    /// <summary>The id of the job's run (<see cref="NodeContext.JobId"/>).</summary>
    internal Guid JobId { get; set; }

    /// <summary>A context for a source reader or sink writer of a node of this chain.</summary>
    public NodeContext ForNode(string nodeName) => ForNode(nodeName, SubtaskIndex, Parallelism);

    /// <summary>
    /// A context for a source reader that resumes the share of another subtask layout (a split restored after rescaling):
    /// subtask <paramref name="subtaskIndex"/> of <paramref name="parallelism"/>, the subtask that wrote the position.
    /// </summary>
    internal NodeContext ForNode(string nodeName, int subtaskIndex, int parallelism) =>
        new(nodeName, subtaskIndex, parallelism, Options, Options.LoggerFactory.CreateLogger("DslFlow.Node." + nodeName), Cancellation,
            checkpointsEnabled: AcknowledgeCheckpoint is not null)
        {
            JobName = Options.JobName ?? Graph.Name,
            JobId = JobId,
        };
}

/// <summary>One output of a task: the downstream channels of one edge, and how to route to them.</summary>
internal sealed record OutputSpec(EdgeInfo Edge, EdgePartitioning Resolved, object Channels, int MaxParallelism);
