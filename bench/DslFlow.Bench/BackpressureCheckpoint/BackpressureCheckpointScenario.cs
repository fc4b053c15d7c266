using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Checkpointing;

namespace DslFlow.Bench.BackpressureCheckpoint;

/// <summary>
/// Checkpoint duration under backpressure, aligned vs unaligned vs aligned with a 10 ms timeout vs aligned with buffer
/// debloating at a 300 ms target (Flink's CheckpointingTimeBenchmark), then throughput without backpressure, unaligned
/// vs aligned, all in one process.
/// </summary>
internal static class BackpressureCheckpointScenario
{
    public static async Task<Report> RunAsync(bool quick)
    {
        var report = new Report();
        // An aligned barrier queues behind ~16,000 records per sink subtask at 1 ms each: one checkpoint takes tens of
        // seconds, so the aligned run is the long one.
        TimeSpan alignedRun = quick ? TimeSpan.FromSeconds(50) : TimeSpan.FromSeconds(120);
        TimeSpan unalignedRun = quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(30);

        BackpressurePipeline.SlowSink = true;
        Result aligned = await RunModeAsync("aligned", unaligned: false, alignedTimeout: null, alignedRun);
        Result unaligned = await RunModeAsync("unaligned", unaligned: true, alignedTimeout: null, unalignedRun);
        Result alternating = await RunModeAsync("alternating", unaligned: true, alignedTimeout: TimeSpan.FromMilliseconds(10), unalignedRun);
        // Debloating needs a few seconds to shrink the buffers the job starts with (and to drain what they queued).
        Result debloated = await RunModeAsync("debloated aligned", unaligned: false, alignedTimeout: null, quick ? TimeSpan.FromSeconds(20) : TimeSpan.FromSeconds(40),
            options =>
            {
                options.BufferDebloat.Enabled = true;
                options.BufferDebloat.Target = TimeSpan.FromMilliseconds(300); // the benchmark's setting in Flink
            });

        ThroughputComparison comparison = await CompareThroughputAsync(quick);

        report.Add("aligned_ms", aligned.MedianMs);
        report.Add("unaligned_ms", unaligned.MedianMs);
        report.Add("alternating_ms", alternating.MedianMs);
        report.Add("ratio_aligned_vs_unaligned", aligned.MedianMs / unaligned.MedianMs);
        report.Add("ratio_alternating_vs_unaligned", alternating.MedianMs / unaligned.MedianMs);
        report.Add("debloated_aligned_ms", debloated.MedianMs);
        report.Add("ratio_aligned_vs_debloated", aligned.MedianMs / debloated.MedianMs);
        report.Add("checkpoints_debloated", debloated.Completed);
        report.Add("persisted_inflight_bytes", unaligned.MedianPersistedBytes);
        report.Add("alternating_unaligned_share", alternating.UnalignedShare);
        report.Add("checkpoints_aligned", aligned.Completed);
        report.Add("checkpoints_unaligned", unaligned.Completed);
        report.Add("checkpoints_alternating", alternating.Completed);
        AddThroughput(report, comparison);
        return report;
    }

    /// <summary>Only the throughput comparison (<c>checkpoint-throughput</c>): the same figures, in a minute.</summary>
    public static async Task<Report> RunThroughputAsync(bool quick)
    {
        var report = new Report();
        AddThroughput(report, await CompareThroughputAsync(quick));
        return report;
    }

    private static void AddThroughput(Report report, ThroughputComparison c)
    {
        report.Add("throughput_aligned_rps", c.Aligned);
        report.Add("throughput_unaligned_rps", c.Unaligned);
        // The median of the rounds' ratios: the two runs of one round are seconds apart, so they share the machine's mood.
        report.Add("throughput_ratio_unaligned_vs_aligned", c.MedianRoundRatio);
        report.Add("throughput_ratio_of_medians", c.Unaligned / c.Aligned);
        report.Add("throughput_round_ratio_min", c.MinRoundRatio);
        report.Add("throughput_round_ratio_max", c.MaxRoundRatio);
        report.Add("throughput_seconds_per_mode", c.Rounds * FastRun.TotalSeconds);
        report.Add("throughput_rounds", c.Rounds);
    }

    private sealed record ThroughputComparison(double Aligned, double Unaligned, double MedianRoundRatio, double MinRoundRatio, double MaxRoundRatio, int Rounds);

    private static readonly TimeSpan FastRun = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The pipeline without the sleep, checkpointing every second, aligned and unaligned in rounds of two adjacent runs
    /// (alternating which goes first, so a drift in the machine's speed does not favour one mode): per mode the median
    /// records per second, and the median of the rounds' ratios.
    /// </summary>
    private static async Task<ThroughputComparison> CompareThroughputAsync(bool quick)
    {
        BackpressurePipeline.SlowSink = false;
        int rounds = quick ? 3 : 10; // many short rounds: this machine's speed comes and goes in bursts of seconds
        var aligned = new List<Result>();
        var unaligned = new List<Result>();
        for (int round = 0; round < rounds; round++)
        {
            bool alignedFirst = round % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                bool isAligned = alignedFirst == (k == 0);
                Result result = await RunModeAsync(isAligned ? "throughput aligned" : "throughput unaligned", unaligned: !isAligned, alignedTimeout: null, FastRun);
                (isAligned ? aligned : unaligned).Add(result);
            }
        }
        double[] ratios = aligned.Zip(unaligned, (a, u) => u.RecordsPerSecond / a.RecordsPerSecond).ToArray();
        return new ThroughputComparison(Median(aligned.Select(r => r.RecordsPerSecond)), Median(unaligned.Select(r => r.RecordsPerSecond)),
            Median(ratios), ratios.Min(), ratios.Max(), rounds);
    }

    private sealed record Result(double MedianMs, double MedianPersistedBytes, double UnalignedShare, int Completed, double RecordsPerSecond);

    private static async Task<Result> RunModeAsync(string mode, bool unaligned, TimeSpan? alignedTimeout, TimeSpan duration,
        Action<PipelineOptions>? configure = null)
    {
        string directory = Directory.CreateTempSubdirectory("dslflow-bench-chk-").FullName;
        try
        {
            BackpressurePipeline.Output = new DiscardSink<Payload>();
            var options = new PipelineOptions
            {
                BufferSize = 512, // Flink's 32 KB network buffer holds 512 records of 64 bytes
                ExclusiveCreditsPerChannel = 2,
                FloatingCreditsPerGate = 8,
                RestartStrategy = RestartStrategy.None,
            };
            options.Checkpointing.Interval = TimeSpan.FromSeconds(1);
            options.Checkpointing.Timeout = TimeSpan.FromMinutes(10);
            options.Checkpointing.Unaligned = unaligned;
            options.Checkpointing.AlignedTimeout = alignedTimeout;
            options.Checkpointing.Directory = directory;
            options.Checkpointing.StartFresh = true;
            options.Checkpointing.StatsHistorySize = 100_000;
            configure?.Invoke(options);

            JobHandle job = BackpressurePipeline.Start(options);
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            long records = BackpressurePipeline.Output.Count;
            double seconds = clock.Elapsed.TotalSeconds;
            CheckpointStats stats = job.CheckpointStats!;
            await job.DisposeAsync();

            CheckpointRecord[] completed = stats.History.Where(c => c.Status == CheckpointStatus.Completed).ToArray();
            double median = Median(completed.Select(c => c.Duration!.Value.TotalMilliseconds));
            double persisted = Median(completed.Select(c => (double)c.PersistedInFlightBytes));
            double share = completed.Length == 0 ? 0 : completed.Count(c => c.IsUnaligned) / (double)completed.Length;
            Console.WriteLine($"{mode,-22} {completed.Length,4} checkpoints, median {median,10:N1} ms, persisted {persisted,12:N0} B, "
                + $"unaligned {share:P0}, {records / seconds,14:N0} records/s; "
                + $"threads {Process.GetCurrentProcess().Threads.Count}, heap {GC.GetTotalMemory(false) >> 20} MB");
            return new Result(median, persisted, share, completed.Length, records / seconds);
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
