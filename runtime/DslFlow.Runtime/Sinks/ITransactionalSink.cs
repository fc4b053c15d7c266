namespace DslFlow;

/// <summary>
/// Marks a sink whose output becomes visible only when a checkpoint completes (two-phase commit), so an exactly-once
/// pipeline gives exactly-once results at the sink. Sinks without it deliver at least once after a failure; an
/// exactly-once pipeline must accept that explicitly with <see cref="SinkAttribute.AcceptAtLeastOnce"/> (analyzer DSLF4001).
/// </summary>
public interface ITransactionalSink
{
    /// <summary>
    /// Called before the job's tasks start — at start and before every restart — with the job run and the checkpoint it
    /// restores (null when it starts without one). The sink commits every transaction of that run pre-committed for
    /// that checkpoint or an earlier one (the checkpoint completed, but its completion may not have reached the sink
    /// before the failure) and discards the run's later or unsealed transactions: the sources replay their records.
    /// It must leave alone what other jobs or runs wrote to the same output. Must be idempotent.
    /// </summary>
    /// <param name="recovery">The job run, the restored checkpoint's id (or null) and a logger.</param>
    void RecoverTransactions(SinkRecoveryContext recovery);

    /// <summary>
    /// The newest checkpoint of the job run <paramref name="jobId"/> whose transactions made records visible here, as the
    /// sink recorded it durably (beside its output), or null when it committed none or does not record it. A restore
    /// that would fall back past a damaged checkpoint asks every sink: when one committed a newer checkpoint than the
    /// one the job could restore, falling back would write those records a second time, so the job refuses to start.
    /// </summary>
    /// <param name="jobId">The job run (<see cref="NodeContext.JobId"/> of the writers).</param>
    long? LastCommittedCheckpoint(Guid jobId) => null;
}
