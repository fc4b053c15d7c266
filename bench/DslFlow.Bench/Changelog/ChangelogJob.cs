using DslFlow.Checkpointing;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Starts <see cref="ChangelogBenchPipeline"/> with the settings the new rounds share, and waits for the points they
/// measure from: the prefill processed, a materialization of the whole prefilled state, a checkpoint after a moment.
/// Waiting on the job's own figures (not fixed delays) keeps each round as short as the machine allows.
/// </summary>
internal static class ChangelogJob
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Keeps materializations out of the recovery runs, which last seconds. The runtime's first, per-subtask offset is
    /// at most 2^32 ticks (about 7 minutes) whatever the interval, so a run of that length could still see one;
    /// <c>recovery_unexpected_materializations</c> reports any.
    /// </summary>
    public static readonly TimeSpan NeverMaterialize = TimeSpan.FromDays(365);

    /// <summary>Starts the job; <paramref name="fresh"/> false restores the newest checkpoint in <paramref name="directory"/>.</summary>
    public static JobHandle Start(string jobName, string directory, bool changelog, TimeSpan materialization,
        PrefillThenRateSource source, bool fresh, TimeSpan? interval = null, long keys = 1_000_000)
    {
        ChangelogBenchPipeline.Keys = keys;
        ChangelogBenchPipeline.Input = source;
        ChangelogBenchPipeline.Output = new DiscardSink<long>();
        var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, JobName = jobName };
        options.Checkpointing.Interval = interval ?? Interval;
        options.Checkpointing.Timeout = TimeSpan.FromMinutes(10);
        options.Checkpointing.Directory = directory;
        options.Checkpointing.StartFresh = fresh;
        options.Checkpointing.StatsHistorySize = 100_000;
        options.Changelog.Enabled = changelog;
        options.Changelog.MaterializationInterval = materialization;
        return ChangelogBenchPipeline.Start(options);
    }

    /// <summary>Records the keyed <c>Count</c> subtasks took in this run (every task but the source).</summary>
    public static long RecordsIn(JobHandle job) => job.GetProgress().Tasks.Where(t => !t.IsSource).Sum(t => t.RecordsIn);

    /// <summary>True once every keyed subtask took a record: it opened, so it restored its state.</summary>
    public static bool Running(JobHandle job) => job.GetProgress().Tasks.Where(t => !t.IsSource).All(t => t.RecordsIn > 0);

    /// <summary>Waits until the keyed subtasks took <paramref name="records"/> records in this run; returns when.</summary>
    public static async Task<DateTimeOffset> WaitForRecordsAsync(JobHandle job, long records)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);
        while (RecordsIn(job) < records)
        {
            Fail(job, deadline, $"{records:N0} records processed");
            await Task.Delay(5);
        }
        return DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// Waits for a materialization of every keyed subtask that started after <paramref name="after"/> (so it holds the
    /// whole state as it was then), and for a checkpoint that completed after it (so a restore builds on it).
    /// </summary>
    public static async Task WaitForMaterializationAsync(JobHandle job, DateTimeOffset after)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        int subtasks = job.GetProgress().Tasks.Count(t => !t.IsSource);
        while (true)
        {
            CheckpointStats stats = job.CheckpointStats!;
            MaterializationRecord[] done = [.. stats.Materializations.Where(m => m.Completed && m.StartedAt >= after)];
            if (done.Select(m => m.SubtaskIndex).Distinct().Count() == subtasks)
            {
                DateTimeOffset written = done.Max(m => m.StartedAt + m.Duration);
                if (stats.LatestCompleted is { } latest && latest.TriggeredAt > written)
                {
                    return;
                }
            }
            Fail(job, deadline, "a materialization after the prefill");
            await Task.Delay(10);
        }
    }

    /// <summary>Waits for a checkpoint triggered after <paramref name="after"/> to complete; returns it.</summary>
    public static async Task<CheckpointRecord> WaitForCheckpointAsync(JobHandle job, DateTimeOffset after)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        while (job.CheckpointStats!.LatestCompleted is not { } latest || latest.TriggeredAt <= after)
        {
            Fail(job, deadline, "a checkpoint");
            await Task.Delay(10);
        }
        return job.CheckpointStats!.LatestCompleted!;
    }

    /// <summary>Cancels the job and waits until it released its checkpoint folder (the next run takes it).</summary>
    public static async Task StopAsync(JobHandle job)
    {
        job.Cancel();
        await job.DisposeAsync();
    }

    /// <summary>The bench must not wait for ever on a job that failed or stalled.</summary>
    private static void Fail(JobHandle job, DateTimeOffset deadline, string waitingFor)
    {
        if (job.Completion.IsCompleted)
        {
            job.Completion.GetAwaiter().GetResult(); // throws the job's failure
            throw new InvalidOperationException($"Job {job.JobName} ended while waiting for {waitingFor}.");
        }
        if (DateTimeOffset.UtcNow > deadline)
        {
            throw new TimeoutException($"Job {job.JobName}: no {waitingFor} in time ({job.CheckpointStats?.Counts}).");
        }
    }

    /// <summary>A fresh temporary checkpoint directory.</summary>
    public static string NewDirectory(string what) => Directory.CreateTempSubdirectory($"dslflow-bench-changelog-{what}-").FullName;
}
