using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Checkpointing;

namespace DslFlow.Bench.CheckpointOverhead;

/// <summary>
/// What checkpoints cost a keyed job with a large state: the 1 M-key count pipeline with exactly-once checkpoints every
/// second against none, in rounds of two adjacent 3 s runs (alternating which goes first, as
/// <c>backpressure-checkpoint</c> does, because this machine's speed drifts), plus the checkpoints' synchronous and
/// asynchronous times and state size. <c>--quick</c> runs fewer rounds of the same length.
/// </summary>
internal static class CheckpointOverheadScenario
{
    private static readonly TimeSpan RunLength = TimeSpan.FromSeconds(3);

    public static async Task<Report> RunAsync(bool quick)
    {
        int rounds = quick ? 2 : 6;
        await RunAsync(checkpoints: false, TimeSpan.FromSeconds(1)); // warm-up: JIT and tiering
        var on = new List<Run>();
        var off = new List<Run>();
        for (int round = 0; round < rounds; round++)
        {
            bool onFirst = round % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                bool checkpoints = onFirst == (k == 0);
                (checkpoints ? on : off).Add(await RunAsync(checkpoints, RunLength));
            }
        }
        double[] ratios = [.. on.Zip(off, (a, b) => a.RecordsPerSecond / b.RecordsPerSecond)];
        CheckpointRecord[] completed = [.. on.SelectMany(r => r.Completed)];
        double[] sync = [.. completed.SelectMany(c => c.Subtasks).Select(s => s.SyncDuration.TotalMilliseconds).Order()];
        var report = new Report();
        report.Add("throughput_on_rps", Measure.Median(on.Select(r => r.RecordsPerSecond)));
        report.Add("throughput_off_rps", Measure.Median(off.Select(r => r.RecordsPerSecond)));
        report.Add("ratio_on_vs_off", Measure.Median(ratios));
        report.Add("ratio_on_vs_off_round_min", ratios.Min());
        report.Add("ratio_on_vs_off_round_max", ratios.Max());
        report.Add("checkpoints_completed", completed.Length);
        report.Add("sync_p95_ms", Measure.Percentile(sync, 0.95));
        report.Add("sync_ms", sync.Length == 0 ? double.NaN : sync[^1]);
        report.Add("async_ms", Measure.Median(completed.SelectMany(c => c.Subtasks).Select(s => s.AsyncDuration.TotalMilliseconds)));
        report.Add("state_bytes", Measure.Median(completed.Select(c => (double)c.StateSize)));
        report.Add("rounds", rounds);
        report.Add("seconds_per_run", RunLength.TotalSeconds);
        return report;
    }

    private sealed record Run(double RecordsPerSecond, IReadOnlyList<CheckpointRecord> Completed);

    private static async Task<Run> RunAsync(bool checkpoints, TimeSpan duration)
    {
        string directory = Directory.CreateTempSubdirectory("dslflow-bench-overhead-").FullName;
        try
        {
            CheckpointOverheadPipeline.Output = new DiscardSink<long>();
            var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, JobName = "checkpoint-overhead" };
            if (checkpoints)
            {
                options.Checkpointing.Interval = TimeSpan.FromSeconds(1);
                options.Checkpointing.Timeout = TimeSpan.FromMinutes(10);
                options.Checkpointing.Directory = directory;
                options.Checkpointing.StartFresh = true;
                options.Checkpointing.StatsHistorySize = 10_000;
            }
            JobHandle job = CheckpointOverheadPipeline.Start(options);
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            long records = CheckpointOverheadPipeline.Output.Count;
            double seconds = clock.Elapsed.TotalSeconds;
            CheckpointRecord[] completed = job.CheckpointStats is { } stats
                ? [.. stats.History.Where(c => c.Status == CheckpointStatus.Completed)]
                : [];
            await job.DisposeAsync();
            double rps = records / seconds;
            Console.WriteLine($"checkpoints {(checkpoints ? "on " : "off")} {rps,14:N0} records/s, {completed.Length} checkpoints"
                + (completed.Length == 0 ? "" : $", sync max {completed.SelectMany(c => c.Subtasks).Max(s => s.SyncDuration.TotalMilliseconds):N1} ms, "
                    + $"state {completed.Max(c => c.StateSize):N0} B"));
            return new Run(rps, completed);
        }
        finally
        {
            Measure.DeleteDirectory(directory);
        }
    }
}
