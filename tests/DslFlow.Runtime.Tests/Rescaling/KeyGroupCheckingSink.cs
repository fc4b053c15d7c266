namespace DslFlow.Runtime.Tests.Rescaling;

/// <summary>
/// A transactional collect sink that also counts records written by a subtask that does not own their key group
/// (the sink is chained to a keyed node, so its subtask is that node's subtask).
/// </summary>
public sealed class KeyGroupCheckingSink<T>(CollectSink<T> inner, Func<T, int> keyGroupOf, int maxParallelism) : ISink<T>, ITransactionalSink
{
    private int _misplaced;

    public CollectSink<T> Inner => inner;

    /// <summary>Records written by a subtask that does not own their key group.</summary>
    public int Misplaced => Volatile.Read(ref _misplaced);

    public ISinkWriter<T> CreateWriter(NodeContext context) =>
        new Writer(this, (ITwoPhaseCommitWriter<T>)inner.CreateWriter(context), context.SubtaskIndex, context.Parallelism);

    public void RecoverTransactions(SinkRecoveryContext recovery) => inner.RecoverTransactions(recovery);

    private sealed class Writer(KeyGroupCheckingSink<T> sink, ITwoPhaseCommitWriter<T> inner, int subtask, int parallelism) : ITwoPhaseCommitWriter<T>
    {
        public void Write(ReadOnlySpan<T> records)
        {
            foreach (T record in records)
            {
                if (KeyGroups.SubtaskOf(sink.KeyGroupOf(record), parallelism, sink.MaxParallelism) != subtask)
                {
                    Interlocked.Increment(ref sink._misplaced);
                }
            }
            inner.Write(records);
        }

        public void Flush() => inner.Flush();

        public void PreCommit(long checkpointId) => inner.PreCommit(checkpointId);

        public void Commit(long checkpointId) => inner.Commit(checkpointId);

        public void Dispose() => inner.Dispose();
    }

    private int KeyGroupOf(T record) => keyGroupOf(record);

    private int MaxParallelism => maxParallelism;
}
