using DslFlow;

namespace DslFlow.Bench.FinishedSourceCheckpoint;

/// <summary>
/// The pipeline of issue 11, defect 7: parallelism 5, two unioned sources into a keyed MapState node that sleeps 1 ms
/// per record. <c>Live</c> runs flat out, so every input queue of the keyed node is full; <c>Quick</c>, one subtask,
/// emits <see cref="QuickRecords"/> records at once when released and then ends (or, for the baseline, stays idle).
/// </summary>
[Pipeline(DefaultParallelism = 5)]
internal static partial class FinishedSourcePipeline
{
    public const long QuickRecords = 3_600;
    public const long LiveTag = 1L << 40;

    public static QuickSource QuickInput { get; set; } = new(endsAfterEmitting: true);

    public static QuickProgress Progress { get; set; } = new();

    [Source(Parallelism = 1)]
    public static QuickSource Quick() => QuickInput;

    [Source]
    public static SequenceSource Live() => SequenceSource.Unbounded(LiveTag);

    [Map(nameof(Quick), nameof(Live), KeyBy = nameof(KeyOf))]
    public static long Slow(long value, MapState<long, long> last)
    {
        Thread.Sleep(1);
        last[value % 8] = value;
        if (value < LiveTag)
        {
            Progress.OnQuickRecord(value);
        }
        return value;
    }

    public static long KeyOf(long value) => value % 1_000;

    [Sink(nameof(Slow), AcceptAtLeastOnce = true)]
    public static DiscardSink<long> Out() => new();
}

/// <summary>The records of <c>Quick</c> the keyed node processed: how many, and their sum (the variants' checksum).</summary>
internal sealed class QuickProgress
{
    private long _count;
    private long _sum;

    public long Count => Interlocked.Read(ref _count);

    public long Checksum => Interlocked.Read(ref _sum);

    public void OnQuickRecord(long value)
    {
        Interlocked.Add(ref _sum, value);
        Interlocked.Increment(ref _count);
    }
}

/// <summary>
/// 0 .. <see cref="FinishedSourcePipeline.QuickRecords"/> − 1 for one subtask, emitted once <see cref="Release"/> is
/// called; then the reader ends (the finished variant) or waits for ever (the baseline: the same records, no end).
/// </summary>
internal sealed class QuickSource(bool endsAfterEmitting) : ISource<long>
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _released.TrySetResult();

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this);

    private sealed class Reader(QuickSource source) : ISourceReader<long>
    {
        private long _next;

        public ReadResult Read(Span<long> destination)
        {
            if (!source._released.Task.IsCompleted)
            {
                return new ReadResult(0, ReadStatus.NothingAvailable);
            }
            int count = (int)Math.Min(destination.Length, FinishedSourcePipeline.QuickRecords - _next);
            for (int i = 0; i < count; i++)
            {
                destination[i] = _next++;
            }
            bool done = _next == FinishedSourcePipeline.QuickRecords;
            return new ReadResult(count, !done ? ReadStatus.MoreAvailable : source.EndsAfterEmitting ? ReadStatus.EndOfInput : ReadStatus.NothingAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => !source._released.Task.IsCompleted
            ? new ValueTask(source._released.Task.WaitAsync(cancellationToken))
            : new ValueTask(Task.Delay(Timeout.Infinite, cancellationToken)); // the baseline's subtask idles until the job stops

        public void Dispose()
        {
        }
    }

    private bool EndsAfterEmitting => endsAfterEmitting;
}
