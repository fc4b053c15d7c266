using DslFlow.Serialization;

namespace DslFlow;

/// <summary>
/// A sink whose writers keep state in the job's checkpoints (Flink's write-ahead sinks): a writer that implements
/// <see cref="ICheckpointedWriter"/> writes its state into every checkpoint, and after a failure or a restart the
/// runtime opens the writers with <see cref="RestoreWriter"/> and the states the restored checkpoint holds. A sink that
/// publishes a checkpoint's records only once that checkpoint completed keeps them here, so a crash between the
/// completion and the publication loses nothing: the restored writer publishes them again.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ICheckpointedSink<T> : ISink<T>
{
    /// <summary>
    /// Creates the writer of one subtask from the states old writers wrote (<see cref="ICheckpointedWriter.WriteState"/>):
    /// with the parallelism unchanged, the state of the writer with the same index; after a rescale, an even share of
    /// every old writer's state (some subtasks may get several, some none). Every state of the restored checkpoint
    /// reaches exactly one new writer.
    /// </summary>
    /// <exception cref="StateFormatException">A state is not one this sink's writers write.</exception>
    ISinkWriter<T> RestoreWriter(NodeContext context, IReadOnlyList<byte[]> states);
}

/// <summary>
/// The writer of an <see cref="ICheckpointedSink{T}"/>: it writes its state into each checkpoint, on the subtask's
/// thread, after every record before the barrier reached it through <see cref="ISinkWriter{T}.Write"/> and just
/// before <see cref="ITwoPhaseCommitWriter{T}.PreCommit"/> seals them — so the state must count the records written
/// since the previous barrier as the transaction of the checkpoint.
/// </summary>
public interface ICheckpointedWriter
{
    /// <summary>Writes the writer's state as of checkpoint <paramref name="checkpointId"/>'s barrier.</summary>
    void WriteState(long checkpointId, ref StateWriter writer);
}
