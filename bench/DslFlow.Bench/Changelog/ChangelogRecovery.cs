using System.Diagnostics;
using DslFlow.Bench.Harness;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Issue 15 item 5's recovery figures: how long a job takes to come back from a changelog checkpoint (read its
/// materialization, replay its log) against a full-snapshot checkpoint of the same 1 M keys. Two logs: one of about
/// half the full state's bytes (goal: at most twice the full restore), and the one Flink's default 10-minute
/// materialization interval would leave at this workload (10,000 updates per 100 ms: 6,000,000 updates; reported).
/// A restore is timed from <c>Start</c> (which reads the checkpoint's metadata) until the keyed subtask took its first
/// record: it restores its state when it opens, before it processes anything. Restores alternate between the full and
/// the half-log checkpoint; no restored run takes a checkpoint (its interval is an hour), so each restores the same one.
/// </summary>
internal static class ChangelogRecovery
{
    public const long DefaultIntervalUpdates = 6_000_000;

    public sealed record Result(double FullRestoreMs, double HalfLogRestoreMs, double DefaultIntervalRestoreMs,
        long FullStateBytes, RecoveryCheckpoints.Built HalfLog, RecoveryCheckpoints.Built DefaultInterval);

    public static async Task<Result> RunAsync(bool quick)
    {
        int restores = quick ? 3 : 5;
        string fullDirectory = ChangelogJob.NewDirectory("recovery-full");
        string logDirectory = ChangelogJob.NewDirectory("recovery-log");
        try
        {
            RecoveryCheckpoints.Built full = await RecoveryCheckpoints.FullAsync(fullDirectory);
            long materialized = await RecoveryCheckpoints.MaterializedAsync(logDirectory);
            RecoveryCheckpoints.Built half = await RecoveryCheckpoints.LogBytesAsync(logDirectory, materialized, full.FullSize / 2);
            Console.WriteLine($"recovery: full snapshot {full.FullSize:N0} B, materialization {materialized:N0} B, "
                + $"half log {half.LogBytes:N0} B from {half.Updates:N0} updates");
            var fullMs = new List<double>();
            var halfMs = new List<double>();
            for (int i = 0; i < restores; i++)
            {
                fullMs.Add(await RestoreAsync(RecoveryCheckpoints.FullJob, fullDirectory, changelog: false, full.CheckpointId));
                halfMs.Add(await RestoreAsync(RecoveryCheckpoints.ChangelogJobName, logDirectory, changelog: true, half.CheckpointId));
                Console.WriteLine($"restore {i + 1}: full {fullMs[^1]:N0} ms, half log {halfMs[^1]:N0} ms");
            }
            RecoveryCheckpoints.Built longLog = await RecoveryCheckpoints.UpdatesAsync(logDirectory, materialized, half, DefaultIntervalUpdates);
            Console.WriteLine($"recovery: default-interval log {longLog.LogBytes:N0} B from {longLog.Updates:N0} updates");
            var longMs = new List<double>();
            for (int i = 0; i < restores; i++)
            {
                longMs.Add(await RestoreAsync(RecoveryCheckpoints.ChangelogJobName, logDirectory, changelog: true, longLog.CheckpointId));
                Console.WriteLine($"restore {i + 1}: default-interval log {longMs[^1]:N0} ms");
            }
            return new Result(Measure.Median(fullMs), Measure.Median(halfMs), Measure.Median(longMs), full.FullSize, half, longLog);
        }
        finally
        {
            Measure.DeleteDirectory(fullDirectory);
            Measure.DeleteDirectory(logDirectory);
        }
    }

    /// <summary>Milliseconds from starting the job on <paramref name="directory"/> to its keyed subtask running.</summary>
    private static async Task<double> RestoreAsync(string jobName, string directory, bool changelog, long checkpointId)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var source = new PrefillThenRateSource { Unthrottled = true, UpdateBudget = 1_000 };
        var clock = Stopwatch.StartNew();
        await using JobHandle job = ChangelogJob.Start(jobName, directory, changelog, ChangelogJob.NeverMaterialize, source,
            fresh: false, interval: TimeSpan.FromHours(1));
        while (!ChangelogJob.Running(job))
        {
            if (job.Completion.IsCompleted || clock.Elapsed > TimeSpan.FromMinutes(5))
            {
                await job.Completion; // throws the restore's failure
                throw new InvalidOperationException($"Job {jobName} ended before it ran restored.");
            }
            await Task.Delay(1);
        }
        double ms = clock.Elapsed.TotalMilliseconds;
        if (job.RestoredCheckpointId != checkpointId)
        {
            throw new InvalidOperationException($"Job {jobName} restored checkpoint {job.RestoredCheckpointId}, not {checkpointId}.");
        }
        await ChangelogJob.StopAsync(job);
        return ms;
    }
}
