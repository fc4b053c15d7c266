namespace DslFlow;

/// <summary>
/// A source node's description, returned by a <see cref="SourceAttribute"/> method. The runtime asks it for one
/// reader per subtask; the source decides which part of the input each subtask reads.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISource<T>
{
    /// <summary>Creates the reader of one subtask.</summary>
    ISourceReader<T> CreateReader(NodeContext context);
}

/// <summary>Whether a reader has more records.</summary>
public enum ReadStatus
{
    /// <summary>More records can be read at once.</summary>
    MoreAvailable,

    /// <summary>No record is available now; call <see cref="ISourceReader{T}.WaitForDataAsync"/>.</summary>
    NothingAvailable,

    /// <summary>The reader's input is exhausted; it will never return records again.</summary>
    EndOfInput,
}

/// <summary>The outcome of one <see cref="ISourceReader{T}.Read"/> call.</summary>
/// <param name="Count">Number of records written to the destination.</param>
/// <param name="Status">Whether more records follow.</param>
public readonly record struct ReadResult(int Count, ReadStatus Status);

/// <summary>
/// Reads one subtask's share of a source, in batches, on the subtask's own thread. <see cref="Read"/> must not
/// block for long: when nothing is available it returns <see cref="ReadStatus.NothingAvailable"/> and the task
/// awaits <see cref="WaitForDataAsync"/>, so it stays responsive to control events meanwhile.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISourceReader<T> : IDisposable
{
    /// <summary>Writes up to <c>destination.Length</c> records and says whether more follow.</summary>
    ReadResult Read(Span<T> destination);

    /// <summary>Completes when <see cref="Read"/> may return records again (or the end of input).</summary>
    ValueTask WaitForDataAsync(CancellationToken cancellationToken);
}
