using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>What a source reader or sink writer knows about the subtask that runs it.</summary>
public sealed class NodeContext
{
    /// <summary>Creates a context; the runtime does this for every subtask.</summary>
    public NodeContext(string nodeName, int subtaskIndex, int parallelism, PipelineOptions options, ILogger logger, CancellationToken cancellation,
        bool checkpointsEnabled = false)
    {
        CheckpointsEnabled = checkpointsEnabled;
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(subtaskIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(subtaskIndex, parallelism);
        NodeName = nodeName;
        SubtaskIndex = subtaskIndex;
        Parallelism = parallelism;
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Logger = logger ?? throw new ArgumentNullException(nameof(logger));
        Cancellation = cancellation;
    }

    /// <summary>
    /// True when the job takes checkpoints: a transactional sink then commits only with completed checkpoints, and not
    /// at the end of input.
    /// </summary>
    public bool CheckpointsEnabled { get; }

    /// <summary>The job's name (the pipeline class name unless <see cref="PipelineOptions.JobName"/> sets another).</summary>
    public string JobName { get; init; } = "";

    /// <summary>
    /// The id of the job's run (<see cref="Checkpointing.JobIdentity.JobId"/>), kept across restarts and in every checkpoint;
    /// <see cref="Guid.Empty"/> when the job takes no checkpoints. Transactional sinks record their commits under it.
    /// </summary>
    public Guid JobId { get; init; }

    /// <summary>The node's name (its method name).</summary>
    public string NodeName { get; }

    /// <summary>Index of this parallel instance, from 0.</summary>
    public int SubtaskIndex { get; }

    /// <summary>Number of parallel instances of the node.</summary>
    public int Parallelism { get; }

    /// <summary>The job's options.</summary>
    public PipelineOptions Options { get; }

    /// <summary>The job's clock.</summary>
    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>A logger for this node.</summary>
    public ILogger Logger { get; }

    /// <summary>Cancelled when the job stops.</summary>
    public CancellationToken Cancellation { get; }
}
