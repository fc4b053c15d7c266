using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Emits 0 .. Count-1 in each subtask, resumable at its index, and pauses (reports nothing available) once it reached
/// <see cref="PauseAt"/> until the test calls <see cref="Resume"/>: a test takes checkpoints at a point it controls.
/// With <c>failAt</c>, it throws when it reaches that index, <c>failures</c> times in all (to force restarts).
/// </summary>
public sealed class GatedSource(long count, long pauseAt, long failAt = -1, int failures = 0) : ICheckpointedSource<long>
{
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _pausedSubtasks = new();
    private int _failures = failures;

    public long Count { get; } = count;

    public long PauseAt { get; } = pauseAt;

    public long FailAt { get; } = failAt;

    public int FailuresLeft => Volatile.Read(ref _failures);

    /// <summary>
    /// Completes when every subtask's reader reached <see cref="PauseAt"/>, emitted everything before it and waits: a
    /// checkpoint taken then holds every subtask at the pause, between two batches (one subtask pausing first says
    /// nothing of the others; a batch read but not yet emitted would be cut by the checkpoint).
    /// </summary>
    public Task Paused => _paused.Task;

    public void Resume() => _resumed.TrySetResult();

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this, context, 0);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        var reader = new StateReader(position);
        long next = reader.ReadVarInt64();
        reader.ExpectEnd();
        return new Reader(this, context, next);
    }

    private void OnPaused(NodeContext context)
    {
        _pausedSubtasks[context.SubtaskIndex] = true;
        if (_pausedSubtasks.Count >= context.Parallelism)
        {
            _paused.TrySetResult();
        }
    }

    private sealed class Reader(GatedSource source, NodeContext context, long next) : ISourceReader<long>, ICheckpointedReader
    {
        private long _next = next;

        public ReadResult Read(Span<long> destination)
        {
            if (source.FailAt >= 0 && _next >= source.FailAt && Interlocked.Decrement(ref source._failures) >= 0)
            {
                throw new InvalidOperationException($"injected failure at {_next}");
            }
            bool gated = !source._resumed.Task.IsCompleted;
            long end = gated && _next <= source.PauseAt ? source.PauseAt : source.Count;
            if (source.FailAt >= 0 && _next < source.FailAt && source.FailuresLeft > 0)
            {
                end = Math.Min(end, source.FailAt);
            }
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
                if (n > 0)
                {
                    // Not paused yet: the records just read are still to be emitted, and a checkpoint taken now would
                    // cut this batch. The next read, which the task makes once all of them went out, reports the pause.
                    return new ReadResult(n, ReadStatus.MoreAvailable);
                }
                source.OnPaused(context);
                return new ReadResult(0, ReadStatus.NothingAvailable);
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
