using DslFlow.Serialization;

namespace DslFlow;

/// <summary>
/// A source whose readers resume where a checkpoint says, which exactly-once recovery needs: the runtime stores each
/// reader's <see cref="ICheckpointedReader.WritePosition"/> in every checkpoint and, after a failure or a restart,
/// opens the readers with <see cref="RestoreReader"/>. The built-in sequence, generator, collection and file-line
/// sources implement it. A source without it starts again from its beginning after a restore (the job logs a warning).
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ICheckpointedSource<T> : ISource<T>
{
    /// <summary>
    /// Creates the reader of one subtask that first returns the record at <paramref name="position"/>, bytes that
    /// a reader of the same subtask (same index, same parallelism) wrote with <see cref="ICheckpointedReader.WritePosition"/>.
    /// </summary>
    /// <exception cref="StateFormatException">The position is not one this source's readers write.</exception>
    ISourceReader<T> RestoreReader(NodeContext context, ReadOnlySpan<byte> position);
}

/// <summary>
/// The reader of an <see cref="ICheckpointedSource{T}"/>: it can say where it is. The runtime calls
/// <see cref="WritePosition"/> on the task thread before each <see cref="ISourceReader{T}.Read"/>, so it must be cheap.
/// </summary>
public interface ICheckpointedReader
{
    /// <summary>Writes the position of the next record <see cref="ISourceReader{T}.Read"/> returns.</summary>
    void WritePosition(ref StateWriter writer);
}
