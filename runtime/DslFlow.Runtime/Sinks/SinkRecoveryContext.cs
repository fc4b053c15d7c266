using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// What a transactional sink recovers before the job's tasks start (<see cref="ITransactionalSink.RecoverTransactions"/>):
/// the job run whose transactions are its own, and the checkpoint that run restores.
/// </summary>
public sealed class SinkRecoveryContext
{
    /// <summary>Creates the context of one sink's recovery.</summary>
    public SinkRecoveryContext(string jobName, string nodeName, Guid jobId, long? restoredCheckpointId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(jobName);
        ArgumentNullException.ThrowIfNull(nodeName);
        ArgumentNullException.ThrowIfNull(logger);
        JobName = jobName;
        NodeName = nodeName;
        JobId = jobId;
        RestoredCheckpointId = restoredCheckpointId;
        Logger = logger;
    }

    /// <summary>The job's name.</summary>
    public string JobName { get; }

    /// <summary>The sink's node name.</summary>
    public string NodeName { get; }

    /// <summary>
    /// The job run (<see cref="NodeContext.JobId"/> of its writers): a sink recovers only the transactions this run
    /// opened, never another job's or another run's that share its output. <see cref="Guid.Empty"/> when the job takes
    /// no checkpoints: nothing of an earlier run can then be recovered.
    /// </summary>
    public Guid JobId { get; }

    /// <summary>The checkpoint the run restores, or null when it starts without one.</summary>
    public long? RestoredCheckpointId { get; }

    /// <summary>A logger for the sink.</summary>
    public ILogger Logger { get; }
}
