namespace DslFlow;

/// <summary>
/// A sink writer that commits with checkpoints (Flink's two-phase commit): records written after checkpoint n-1's
/// barrier form transaction n, sealed by <see cref="PreCommit"/> at barrier n and made visible by <see cref="Commit"/>
/// when checkpoint n completed everywhere. A transaction of an aborted checkpoint stays pending and is committed with
/// the next completed one; transactions never committed are discarded when the job fails (their records are replayed
/// from the sources). The writer's sink should implement <see cref="ITransactionalSink"/>.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ITwoPhaseCommitWriter<T> : ISinkWriter<T>
{
    /// <summary>Seals the records written since the previous barrier as the transaction of <paramref name="checkpointId"/>.</summary>
    void PreCommit(long checkpointId);

    /// <summary>Makes every sealed transaction up to <paramref name="checkpointId"/> visible.</summary>
    void Commit(long checkpointId);
}
