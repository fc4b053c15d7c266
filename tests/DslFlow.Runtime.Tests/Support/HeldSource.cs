using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>
/// A bounded sequence whose readers emit nothing until <see cref="Started"/> completes and, having emitted their share,
/// end only once <see cref="Ended"/> completes (both completed by the test). Checkpointed, so a restore resumes it.
/// </summary>
public sealed class HeldSource(long from, long toExclusive) : ICheckpointedSource<long>
{
    private readonly SequenceSource _inner = new(from, toExclusive);

    /// <summary>Completed by the test: the readers may emit.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completed by the test: readers that emitted their share may end.</summary>
    public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(_inner.CreateReader(context), this);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) => new Reader(_inner.RestoreReader(context, position), this);

    private sealed class Reader(ISourceReader<long> inner, HeldSource held) : ISourceReader<long>, ICheckpointedReader
    {
        private bool _innerEnded;

        public ReadResult Read(Span<long> destination)
        {
            if (!held.Started.Task.IsCompleted)
            {
                return new ReadResult(0, ReadStatus.NothingAvailable);
            }
            bool ended = held.Ended.Task.IsCompleted;
            if (!_innerEnded)
            {
                ReadResult result = inner.Read(destination);
                if (result.Status != ReadStatus.EndOfInput)
                {
                    return result;
                }
                _innerEnded = true;
                if (result.Count > 0)
                {
                    return new ReadResult(result.Count, ended ? ReadStatus.EndOfInput : ReadStatus.MoreAvailable);
                }
            }
            return new ReadResult(0, ended ? ReadStatus.EndOfInput : ReadStatus.NothingAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) =>
            new((held.Started.Task.IsCompleted ? held.Ended.Task : held.Started.Task).WaitAsync(cancellationToken));

        public void WritePosition(ref StateWriter writer) => ((ICheckpointedReader)inner).WritePosition(ref writer);

        public void Dispose() => inner.Dispose();
    }
}
