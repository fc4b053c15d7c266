namespace DslFlow;

/// <summary>
/// A checkpointed source whose input comes in a fixed number of splits — a stream's subjects, a topic's partitions —
/// each read by a reader of its own: split <c>j</c> of <c>n</c> is opened with <see cref="ISource{T}.CreateReader"/>
/// and a context whose <see cref="NodeContext.SubtaskIndex"/> is <c>j</c> and <see cref="NodeContext.Parallelism"/> is
/// <c>n</c>, and subtask <c>i</c> of <c>p</c> reads the splits <c>j ≡ i (mod p)</c>. Each split then keeps its own
/// position in checkpoints and its own event time (a split behind holds the watermark back, not a whole subtask), and a
/// rescale moves whole splits between subtasks. Subtasks beyond the split count read nothing and end at once.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISplitSource<T> : ICheckpointedSource<T>
{
    /// <summary>How many splits the input has, asked once per subtask when a job starts without a checkpoint.</summary>
    /// <param name="context">The subtask asking (its index and the node's parallelism).</param>
    int SplitCount(NodeContext context);
}
