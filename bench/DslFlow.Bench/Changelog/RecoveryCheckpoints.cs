using DslFlow.Checkpointing;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Builds the checkpoints the recovery rounds restore, each by running the job until it completed one and stopping it.
/// A changelog checkpoint whose log since its materialization holds a chosen amount takes two runs: one materializes
/// the prefilled state (every 3 s, so soon), then runs restored from it with materialization out of the way
/// (<see cref="ChangelogJob.NeverMaterialize"/>) feed updates, each run's log adding to the last — what a job
/// accumulates between two materializations.
/// </summary>
internal static class RecoveryCheckpoints
{
    public const string FullJob = "changelog-recovery-full";
    public const string ChangelogJobName = "changelog-recovery-log";
    private const long CalibrationUpdates = 100_000;

    /// <summary>A completed checkpoint to restore, and the log bytes it references beyond its materialization.</summary>
    public sealed record Built(long CheckpointId, long FullSize, long LogBytes, long Updates, int UnexpectedMaterializations);

    /// <summary>A full-snapshot checkpoint of the prefilled 1 M keys.</summary>
    public static async Task<Built> FullAsync(string directory)
    {
        var source = new PrefillThenRateSource { Unthrottled = true, UpdateBudget = 0 };
        await using JobHandle job = ChangelogJob.Start(FullJob, directory, changelog: false, ChangelogJob.NeverMaterialize, source, fresh: true);
        await ChangelogJob.WaitForRecordsAsync(job, ChangelogBenchPipeline.Keys);
        CheckpointRecord checkpoint = await job.StopWithCheckpointAsync();
        return new Built(checkpoint.Id, checkpoint.FullSize, 0, 0, 0);
    }

    /// <summary>A changelog checkpoint right after a materialization of the prefilled 1 M keys; returns its bytes.</summary>
    public static async Task<long> MaterializedAsync(string directory)
    {
        var source = new PrefillThenRateSource { Unthrottled = true, UpdateBudget = 0 };
        await using JobHandle job = ChangelogJob.Start(ChangelogJobName, directory, changelog: true, TimeSpan.FromSeconds(3), source, fresh: true);
        DateTimeOffset prefilled = await ChangelogJob.WaitForRecordsAsync(job, ChangelogBenchPipeline.Keys);
        await ChangelogJob.WaitForMaterializationAsync(job, prefilled);
        await job.StopWithCheckpointAsync();
        // The bytes of the newest completed materialization of each subtask: what every later log builds on.
        return job.CheckpointStats!.Materializations.Where(m => m.Completed)
            .GroupBy(m => m.SubtaskIndex).Sum(g => g.MaxBy(m => m.Id)!.FullSize);
    }

    /// <summary>
    /// Adds updates to the log of the changelog checkpoint in <paramref name="directory"/> until it holds about
    /// <paramref name="targetLogBytes"/> beyond <paramref name="materialized"/>: a calibration batch gives the bytes
    /// one update logs, then the rest follows; stops with a checkpoint.
    /// </summary>
    public static async Task<Built> LogBytesAsync(string directory, long materialized, long targetLogBytes)
    {
        var source = new PrefillThenRateSource { Unthrottled = true, UpdateBudget = CalibrationUpdates };
        await using JobHandle job = Restored(directory, source);
        await ChangelogJob.WaitForRecordsAsync(job, CalibrationUpdates);
        CheckpointRecord calibration = await job.TriggerCheckpointAsync();
        double perUpdate = (double)(calibration.FullSize - materialized) / CalibrationUpdates;
        source.UpdateBudget = Math.Max(CalibrationUpdates, (long)(targetLogBytes / perUpdate));
        return await FinishAsync(job, source, materialized, previousUpdates: 0);
    }

    /// <summary>Adds updates to the log so that <paramref name="totalUpdates"/> followed the materialization.</summary>
    public static async Task<Built> UpdatesAsync(string directory, long materialized, Built previous, long totalUpdates)
    {
        var source = new PrefillThenRateSource { Unthrottled = true, UpdateBudget = totalUpdates - previous.Updates };
        await using JobHandle job = Restored(directory, source);
        return await FinishAsync(job, source, materialized, previous.Updates);
    }

    private static JobHandle Restored(string directory, PrefillThenRateSource source) =>
        ChangelogJob.Start(ChangelogJobName, directory, changelog: true, ChangelogJob.NeverMaterialize, source, fresh: false);

    private static async Task<Built> FinishAsync(JobHandle job, PrefillThenRateSource source, long materialized, long previousUpdates)
    {
        await ChangelogJob.WaitForRecordsAsync(job, source.UpdateBudget);
        CheckpointRecord checkpoint = await job.StopWithCheckpointAsync();
        int materializations = job.CheckpointStats!.Materializations.Count;
        return new Built(checkpoint.Id, checkpoint.FullSize, checkpoint.FullSize - materialized,
            previousUpdates + source.UpdateBudget, materializations);
    }
}
