using DslFlow.Serialization;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Emits 0 .. Keys-1 at full speed, then seeded random keys: at <see cref="ChangelogBenchPipeline.UpdatesPerSecond"/>
/// (the checkpoint-duration runs), or as fast as the job takes them when <see cref="Unthrottled"/> (the throughput
/// rounds and the recovery checkpoints, which need a given number of updates quickly). Its position holds how far the
/// prefill got, so a restored reader does not prefill again.
/// </summary>
public sealed class PrefillThenRateSource : ICheckpointedSource<long>
{
    private readonly TaskCompletionSource _prefilled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _updateBudget = long.MaxValue;

    /// <summary>Completes once every key was emitted once (at once for a reader restored after its prefill).</summary>
    public Task Prefilled => _prefilled.Task;

    /// <summary>Ignore the rate: emit updates as fast as the job takes them.</summary>
    public bool Unthrottled { get; init; }

    /// <summary>
    /// Updates a reader emits after it was created or restored, then it idles; may be raised while the job runs (the
    /// recovery builder first feeds a calibration batch, then the rest). Unlimited by default.
    /// </summary>
    public long UpdateBudget
    {
        get => Volatile.Read(ref _updateBudget);
        set => Volatile.Write(ref _updateBudget, value);
    }

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this, 0);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        var reader = new StateReader(position);
        return new Reader(this, reader.ReadVarInt64());
    }

    private sealed class Reader(PrefillThenRateSource source, long next) : ISourceReader<long>, ICheckpointedReader
    {
        private readonly Random _random = new(20261202);
        private long _next = next;
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
            long due = source.Unthrottled ? destination.Length
                : (long)(_clock.Elapsed.TotalSeconds * ChangelogBenchPipeline.UpdatesPerSecond) - _updates;
            int count = (int)Math.Max(0, Math.Min(Math.Min(destination.Length, due), source.UpdateBudget - _updates));
            for (int i = 0; i < count; i++)
            {
                destination[i] = _random.NextInt64(keys);
            }
            _updates += count;
            return count > 0 ? new ReadResult(count, ReadStatus.MoreAvailable) : new ReadResult(0, ReadStatus.NothingAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => new(Task.Delay(1, cancellationToken));

        public void WritePosition(ref StateWriter writer) => writer.WriteVarInt64(_next);

        public void Dispose()
        {
        }
    }
}
