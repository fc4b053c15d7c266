using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>Like <c>LedgerPipeline</c>, but its source can fail once at a given index (to force an in-process restart).</summary>
[Pipeline]
public static partial class FlakyLedgerPipeline
{
    public static FlakySource Input { get; set; } = new(0, 0);

    public static string OutputDirectory { get; set; } = "";

    [Source]
    public static FlakySource Numbers() => Input;

    [Map(nameof(Numbers))]
    public static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Sink(nameof(Format))]
    public static FileSink<string> Ledger() => new(OutputDirectory);
}

/// <summary>
/// Emits 0 .. Count-1 in one subtask, resumable at its index; pauses at <see cref="PauseAt"/> until <see cref="Resume"/>;
/// throws once (per instance) when it reaches <see cref="FailAt"/> and <see cref="Failures"/> is still positive.
/// </summary>
public sealed class FlakySource(long count, long pauseAt, long failAt = -1, int failures = 0) : ICheckpointedSource<long>
{
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failures = failures;

    public long Count { get; } = count;

    public long PauseAt { get; } = pauseAt;

    public long FailAt { get; } = failAt;

    public int FailuresLeft => Volatile.Read(ref _failures);

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

    private sealed class Reader(FlakySource source, long next) : ISourceReader<long>, ICheckpointedReader
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
