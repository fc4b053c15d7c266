namespace DslFlow;

/// <summary>
/// A transactional sink that the job also tells of completed checkpoints directly, off every subtask's thread (Flink's
/// Sink V2 committer). Writers hear of a completion on their own subtask's thread, between records; a writer blocked
/// in the database on a lock that the previous checkpoint's prepared transaction holds (an upsert of the same key)
/// would never get to that notification. The committer commits on its own: the lock goes, the writer goes on.
/// </summary>
public interface ISinkCommitter
{
    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/> of the job run <paramref name="jobId"/> completed and is stored: every
    /// transaction its subtasks pre-committed for it or an earlier checkpoint may be committed. Called on the
    /// coordinator's thread, before the subtasks hear of it: it must hand the work off and return at once. Not called
    /// once the run failed or was cancelled (recovery then decides, <see cref="ITransactionalSink.RecoverTransactions"/>).
    /// </summary>
    void OnCheckpointCompleted(Guid jobId, long checkpointId);
}
