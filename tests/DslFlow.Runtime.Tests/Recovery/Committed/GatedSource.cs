using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Emits 0 .. Count-1 in one subtask, resumable at its index, and pauses (reports nothing available) once it reached
/// <see cref="PauseAt"/> until the test calls <see cref="Resume"/>: a test takes checkpoints at a point it controls.
/// </summary>
public sealed class GatedSource(long count, long pauseAt) : ICheckpointedSource<long>
{
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Count { get; } = count;

    public long PauseAt { get; } = pauseAt;

    /// <summary>Completes when the reader reached <see cref="PauseAt"/> and waits.</summary>
    public Task Paused => _paused.Task;

    public void Resume() => _resumed.TrySetResult();

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this, 0);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        var reader = new StateReader(position);
        long next = reader.ReadVarInt64();
        reader.ExpectEnd();
        return new Reader(this, next);
    }

    private sealed class Reader(GatedSource source, long next) : ISourceReader<long>, ICheckpointedReader
    {
        private long _next = next;

        public ReadResult Read(Span<long> destination)
        {
            bool gated = !source._resumed.Task.IsCompleted;
            long end = gated && _next <= source.PauseAt ? source.PauseAt : source.Count;
            if (_next >= source.Count)
            {
                return new ReadResult(0, ReadStatus.EndOfInput);
            }
            int n = (int)Math.Min(destination.Length, end - _next);
            for (int i = 0; i < n; i++)
            {
                destination[i] = _next++;
            }
            if (_next >= source.Count)
            {
                return new ReadResult(n, ReadStatus.EndOfInput);
            }
            if (gated && _next == source.PauseAt)
            {
                source._paused.TrySetResult();
                return new ReadResult(n, ReadStatus.NothingAvailable);
            }
            return new ReadResult(n, ReadStatus.MoreAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) =>
            new(source._resumed.Task.WaitAsync(cancellationToken));

        public void WritePosition(ref StateWriter writer) => writer.WriteVarInt64(_next);

        public void Dispose()
        {
        }
    }
}
