namespace DslFlow.Connectors.Tests.Support;

/// <summary>An exception thrown on purpose by the tests.</summary>
public sealed class InjectedFailureException(string message) : Exception(message);

/// <summary>
/// Seeded failure points counted over the whole job (a restart replays records, so each threshold is crossed once):
/// the calls at which a map throws, and optionally a slow-down every n calls that keeps records in flight.
/// </summary>
public sealed class Failures(long[] at, int slowEvery = 0)
{
    private long _calls;
    private int _injected;

    public int Injected => Volatile.Read(ref _injected);

    public int Planned => at.Length;

    public void OnRecord()
    {
        long call = Interlocked.Increment(ref _calls);
        if (slowEvery > 0 && call % slowEvery == 0)
        {
            Thread.Sleep(1);
        }
        if (Array.IndexOf(at, call) >= 0)
        {
            Interlocked.Increment(ref _injected);
            throw new InjectedFailureException($"injected failure at record {call}");
        }
    }

    /// <summary>Failure points spread over the first 80% of <paramref name="records"/> calls, from a seeded random.</summary>
    public static long[] Spread(Random random, long records, int count) =>
        [.. Enumerable.Range(0, count).Select(i => records * (i + 1) * 4 / (5 * (count + 1)) + random.Next((int)Math.Max(1, records / 20)))];
}

/// <summary>Checkpointed job options for the connector tests.</summary>
public static class JobOptions
{
    public static PipelineOptions Create(string checkpoints, int parallelism, bool unaligned, int bufferSize = 64)
    {
        var options = new PipelineOptions
        {
            DefaultParallelism = parallelism,
            BufferSize = bufferSize,
            RestartStrategy = RestartStrategy.FixedDelay(30, TimeSpan.FromMilliseconds(50)),
        };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.Mode = CheckpointingMode.ExactlyOnce;
        options.Checkpointing.Unaligned = unaligned;
        options.Checkpointing.StatsHistorySize = 10_000;
        options.Checkpointing.Directory = checkpoints;
        return options;
    }
}
