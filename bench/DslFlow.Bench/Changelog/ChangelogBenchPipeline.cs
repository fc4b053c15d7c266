using DslFlow;
using DslFlow.Serialization;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Issue 15's shape: a keyed <c>ValueState&lt;long&gt;</c> over <see cref="Keys"/> keys. The source first touches every
/// key once, as fast as it can (so the state holds all of them), then updates <see cref="UpdatesPerSecond"/> random
/// keys a second (10,000 per 100 ms checkpoint interval: 1 % of 1 M keys).
/// </summary>
[Pipeline]
public static partial class ChangelogBenchPipeline
{
    public static long Keys { get; set; } = 1_000_000;

    public static long UpdatesPerSecond { get; set; } = 100_000;

    public static PrefillThenRateSource Input { get; set; } = new();

    public static DiscardSink<long> Output { get; set; } = new();

    [Source]
    public static PrefillThenRateSource Numbers() => Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static long Count(long key, ValueState<long> count) => ++count.Value;

    public static long Key(long key) => key;

    [Sink(nameof(Count), AcceptAtLeastOnce = true)]
    public static DiscardSink<long> Out() => Output;
}

/// <summary>Emits 0 .. Keys-1 at full speed, then seeded random keys at a fixed rate, for ever.</summary>
public sealed class PrefillThenRateSource : ICheckpointedSource<long>
{
    private readonly TaskCompletionSource _prefilled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once every key was emitted once.</summary>
    public Task Prefilled => _prefilled.Task;

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) => new Reader(this);

    private sealed class Reader(PrefillThenRateSource source) : ISourceReader<long>, ICheckpointedReader
    {
        private readonly Random _random = new(20261202);
        private long _next;
        private long _updates;
        private System.Diagnostics.Stopwatch? _clock;

        public ReadResult Read(Span<long> destination)
        {
            long keys = ChangelogBenchPipeline.Keys;
            if (_next < keys)
            {
                int n = (int)Math.Min(destination.Length, keys - _next);
                for (int i = 0; i < n; i++)
                {
                    destination[i] = _next++;
                }
                return new ReadResult(n, ReadStatus.MoreAvailable);
            }
            if (_clock is null)
            {
                _clock = System.Diagnostics.Stopwatch.StartNew();
                source._prefilled.TrySetResult();
            }
            long due = (long)(_clock.Elapsed.TotalSeconds * ChangelogBenchPipeline.UpdatesPerSecond) - _updates;
            int count = (int)Math.Min(destination.Length, due);
            for (int i = 0; i < count; i++)
            {
                destination[i] = _random.NextInt64(keys);
            }
            _updates += Math.Max(0, count);
            return count > 0 ? new ReadResult(count, ReadStatus.MoreAvailable) : new ReadResult(0, ReadStatus.NothingAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => new(Task.Delay(1, cancellationToken));

        public void WritePosition(ref StateWriter writer) => writer.WriteVarInt64(_next);

        public void Dispose()
        {
        }
    }
}
