using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using DslFlow.Bench.Harness;
using DslFlow.Checkpointing;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Issue 15's changelog benchmark: the same keyed job with checkpoints every 100 ms, full snapshots (the heap backend)
/// against the changelog (materializing every 3 s), in one process; a second changelog run at 4 M keys checks that a
/// checkpoint's duration follows the changes, not the state's size. Each run measures a steady window after the state
/// holds every key. <c>--quick</c> shortens the window (still three materialization intervals long). Then the
/// unthrottled throughput rounds (<see cref="ChangelogThroughput"/>) and the restores (<see cref="ChangelogRecovery"/>).
/// </summary>
internal static class ChangelogScenario
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Materialization = TimeSpan.FromSeconds(3);

    public static async Task<Report> RunAsync(bool quick)
    {
        TimeSpan window = quick ? TimeSpan.FromSeconds(10) : TimeSpan.FromSeconds(20);
        Run full = await RunAsync(changelog: false, 1_000_000, window);
        Run changelog = await RunAsync(changelog: true, 1_000_000, window);
        Run large = await RunAsync(changelog: true, 4_000_000, window);
        ChangelogThroughput.Result throughput = await ChangelogThroughput.RunAsync(quick);
        ChangelogRecovery.Result recovery = await ChangelogRecovery.RunAsync(quick);
        Run outside = OutsideMaterialization(changelog);
        Run largeOutside = OutsideMaterialization(large);
        double maxDuring = changelog.Completed.Where(c => !MaterializationOverlap.IsOutside(c, changelog.Materialized))
            .Select(c => c.Duration!.Value.TotalMilliseconds).DefaultIfEmpty(double.NaN).Max();

        double fullSnapshot = Measure.Median(full.Completed.Select(c => (double)c.FullSize));
        double fullBytesPerCheckpoint = full.Completed.Sum(c => (double)c.IncrementalSize) / full.Completed.Count;
        var report = new Report();
        report.Add("bytes_per_checkpoint_ratio", changelog.LogBytes / (window / Interval) / fullSnapshot);
        report.Add("total_bytes_ratio", (changelog.LogBytes + changelog.MaterializationBytes) / changelog.Completed.Count / fullBytesPerCheckpoint);
        report.Add("p99_duration_ratio", P99(changelog) / P99(full));
        report.Add("p99_duration_ratio_outside_materialization", P99(outside) / P99(full));
        report.Add("p99_4m_vs_1m", P99(large) / P99(changelog));
        report.Add("space_amplification", changelog.BytesOnDisk / fullSnapshot);
        report.Add("full_snapshot_bytes", fullSnapshot);
        report.Add("full_p99_ms", P99(full));
        report.Add("changelog_p99_ms", P99(changelog));
        report.Add("changelog_p99_outside_materialization_ms", P99(outside));
        report.Add("checkpoints_changelog_outside_materialization", outside.Completed.Count);
        report.Add("changelog_max_during_materialization_ms", maxDuring);
        report.Add("changelog_4m_p99_ms", P99(large));
        report.Add("changelog_4m_p99_outside_materialization_ms", P99(largeOutside));
        report.Add("changelog_p50_ms", Measure.Median(changelog.Completed.Select(c => c.Duration!.Value.TotalMilliseconds)));
        report.Add("checkpoints_full", full.Completed.Count);
        report.Add("checkpoints_changelog", changelog.Completed.Count);
        report.Add("materializations", changelog.Materializations);
        report.Add("log_bytes", changelog.LogBytes);
        report.Add("materialization_bytes", changelog.MaterializationBytes);
        report.Add("window_seconds", window.TotalSeconds);
        report.Add("log_bytes_per_update_rate_limited", changelog.LogBytes / (window.TotalSeconds * ChangelogBenchPipeline.UpdatesPerSecond));
        AddThroughput(report, throughput);
        report.Add("recovery_ratio_half_log", recovery.HalfLogRestoreMs / recovery.FullRestoreMs);
        report.Add("recovery_ratio_default_interval", recovery.DefaultIntervalRestoreMs / recovery.FullRestoreMs);
        report.Add("restore_full_ms", recovery.FullRestoreMs);
        report.Add("restore_half_log_ms", recovery.HalfLogRestoreMs);
        report.Add("restore_default_interval_ms", recovery.DefaultIntervalRestoreMs);
        report.Add("recovery_full_state_bytes", recovery.FullStateBytes);
        report.Add("half_log_bytes", recovery.HalfLog.LogBytes);
        report.Add("half_log_updates", recovery.HalfLog.Updates);
        report.Add("default_interval_log_bytes", recovery.DefaultInterval.LogBytes);
        report.Add("default_interval_updates", recovery.DefaultInterval.Updates);
        report.Add("log_bytes_per_update_unthrottled", (double)recovery.DefaultInterval.LogBytes / recovery.DefaultInterval.Updates);
        report.Add("recovery_unexpected_materializations", recovery.HalfLog.UnexpectedMaterializations + recovery.DefaultInterval.UnexpectedMaterializations);
        return report;
    }

    /// <summary>The run's checkpoints that did not overlap any of its materializations.</summary>
    private static Run OutsideMaterialization(Run run) =>
        run with { Completed = [.. run.Completed.Where(c => MaterializationOverlap.IsOutside(c, run.Materialized))] };

    private static void AddThroughput(Report report, ChangelogThroughput.Result throughput)
    {
        report.Add("throughput_ratio", throughput.Ratio);
        report.Add("throughput_full_rps", throughput.FullRecordsPerSecond);
        report.Add("throughput_changelog_rps", throughput.ChangelogRecordsPerSecond);
        report.Add("throughput_round_pairs", throughput.Pairs);
        report.Add("throughput_full_checkpoints_per_s", throughput.FullCheckpointsPerSecond);
        report.Add("throughput_changelog_checkpoints_per_s", throughput.ChangelogCheckpointsPerSecond);
    }

    /// <summary>Only the throughput rounds (<c>bench -- changelog-throughput</c>): quicker to repeat and to profile.</summary>
    public static async Task<Report> RunThroughputAsync(bool quick)
    {
        ChangelogThroughput.Result throughput = await ChangelogThroughput.RunAsync(quick);
        var report = new Report();
        AddThroughput(report, throughput);
        return report;
    }

    private static double P99(Run run) =>
        Measure.Percentile([.. run.Completed.Select(c => c.Duration!.Value.TotalMilliseconds).Order()], 0.99);

    private sealed record Run(IReadOnlyList<CheckpointRecord> Completed, double LogBytes, double MaterializationBytes,
        int Materializations, double BytesOnDisk, IReadOnlyList<MaterializationRecord> Materialized);

    private static async Task<Run> RunAsync(bool changelog, long keys, TimeSpan window)
    {
        string directory = Directory.CreateTempSubdirectory("dslflow-bench-changelog-").FullName;
        string jobName = $"changelog-bench-{(changelog ? "on" : "off")}-{keys}";
        var sums = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "DslFlow" && instrument.Name.StartsWith("dslflow.changelog.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        bool counting = false;
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (Volatile.Read(ref counting) && tags.ToArray().Any(t => t.Key == "job" && (string?)t.Value == jobName))
            {
                sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            }
        });
        listener.Start();
        try
        {
            await using JobHandle job = ChangelogJob.Start(jobName, directory, changelog, Materialization, new PrefillThenRateSource(),
                fresh: true, Interval, keys);
            await ChangelogBenchPipeline.Input.Prefilled.WaitAsync(TimeSpan.FromMinutes(5));
            await Task.Delay(Materialization + Interval); // the first materialization covers the prefill
            DateTimeOffset from = DateTimeOffset.UtcNow;
            Volatile.Write(ref counting, true);
            await Task.Delay(window);
            Volatile.Write(ref counting, false);
            DateTimeOffset to = DateTimeOffset.UtcNow;
            long onDisk = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            CheckpointRecord[] completed = [.. job.CheckpointStats!.History
                .Where(c => c.Status == CheckpointStatus.Completed && c.TriggeredAt >= from && c.EndedAt <= to)];
            Console.WriteLine($"{(changelog ? "changelog" : "full     ")} {keys,9:N0} keys: {completed.Length} checkpoints, p99 "
                + $"{Measure.Percentile([.. completed.Select(c => c.Duration!.Value.TotalMilliseconds).Order()], 0.99):N1} ms, "
                + $"log {sums.GetValueOrDefault("dslflow.changelog.log_bytes"):N0} B, materializations "
                + $"{sums.GetValueOrDefault("dslflow.changelog.materializations.completed")} "
                + $"({sums.GetValueOrDefault("dslflow.changelog.materialization.size"):N0} B), on disk {onDisk:N0} B");
            job.Cancel();
            return new Run(completed, sums.GetValueOrDefault("dslflow.changelog.log_bytes"),
                sums.GetValueOrDefault("dslflow.changelog.materialization.size"),
                (int)sums.GetValueOrDefault("dslflow.changelog.materializations.completed"), onDisk,
                job.CheckpointStats!.Materializations);
        }
        finally
        {
            Measure.DeleteDirectory(directory);
        }
    }
}
