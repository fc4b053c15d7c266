using System.ComponentModel;
using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging;

namespace DslFlow.Execution;

/// <summary>
/// Where a subtask sits in the job: its chain, index, parallelism, key groups, input, outputs and checkpointing. Built
/// once per run and never changed.
/// </summary>
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

    /// <summary>The chain head's input (null for a source).</summary>
    internal TaskInput? Input { get; init; }

    /// <summary>What the subtask takes checkpoints with; null when checkpoints are off.</summary>
    internal TaskCheckpointing? Checkpointing { get; init; }

    /// <summary>The task's outputs: per outbound edge, the downstream channels and how to route to them.</summary>
    internal IReadOnlyList<OutputSpec> Outputs { get; init; } = [];

    /// <summary>The checkpoint this run restores (null when it starts without one).</summary>
    internal RestoredCheckpoint? Restored { get; init; }

    /// <summary>The id of the job's run (<see cref="NodeContext.JobId"/>).</summary>
    internal Guid JobId { get; init; }

    /// <summary>A context for a source reader or sink writer of a node of this chain.</summary>
    public NodeContext ForNode(string nodeName) => ForNode(nodeName, SubtaskIndex, Parallelism);

    /// <summary>
    /// A context for a source reader that resumes the share of another subtask layout (a split restored after rescaling):
    /// subtask <paramref name="subtaskIndex"/> of <paramref name="parallelism"/>, the subtask that wrote the position.
    /// </summary>
    internal NodeContext ForNode(string nodeName, int subtaskIndex, int parallelism) =>
        new(nodeName, subtaskIndex, parallelism, Options, Options.LoggerFactory.CreateLogger("DslFlow.Node." + nodeName), Cancellation,
            checkpointsEnabled: Checkpointing is not null)
        {
            JobName = Options.JobName ?? Graph.Name,
            JobId = JobId,
        };
}

/// <summary>One output of a task: the downstream channels of one edge, and how to route to them.</summary>
internal sealed record OutputSpec(EdgeInfo Edge, EdgePartitioning Resolved, OutputChannels Channels, int MaxParallelism);
