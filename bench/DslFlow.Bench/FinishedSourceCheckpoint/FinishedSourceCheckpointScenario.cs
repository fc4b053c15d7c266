using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Checkpointing;
using DslFlow.Execution;

namespace DslFlow.Bench.FinishedSourceCheckpoint;

/// <summary>
/// How long after a source subtask ends the next unaligned checkpoint completes, while the records it queued still
/// wait downstream (issue 11, defect 7), against a baseline run of the same pipeline in the same process whose subtask
/// emits the same records but does not end. Each round runs both variants (alternating which goes first); each run
/// warms up for a second, releases <c>Quick</c>, and lasts until the keyed node processed every record of it — the
/// checksum both variants must agree on.
/// </summary>
internal static class FinishedSourceCheckpointScenario
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    public static async Task<Report> RunAsync(bool quick)
    {
        int rounds = quick ? 1 : 5;
        var finished = new List<Result>();
        var baseline = new List<Result>();
        for (int round = 0; round < rounds; round++)
        {
            bool finishedFirst = round % 2 == 0;
            for (int k = 0; k < 2; k++)
            {
                bool isFinished = finishedFirst == (k == 0);
                (isFinished ? finished : baseline).Add(await RunVariantAsync(isFinished));
            }
        }
        long checksum = finished[0].Checksum;
        if (finished.Concat(baseline).Any(r => r.Checksum != checksum))
        {
            throw new InvalidOperationException("The variants processed different records of Quick: "
                + string.Join(", ", finished.Concat(baseline).Select(r => r.Checksum)));
        }

        var report = new Report();
        // From the end to the completion of the first checkpoint triggered after it (one that was in progress already
        // may have passed the subtask before it ended): includes up to one interval (200 ms) of waiting for the trigger.
        report.Add("checkpoint_after_source_finished_ms", Measure.Median(finished.Select(r => r.FirstCheckpointMs)));
        report.Add("checkpoint_after_source_emitted_baseline_ms", Measure.Median(baseline.Select(r => r.FirstCheckpointMs)));
        report.Add("checkpoint_after_source_finished_max_ms", finished.Max(r => r.FirstCheckpointMs));
        // Trigger to completion of the first checkpoint triggered after the end: no phase of the interval in it.
        double finishedDuration = Measure.Median(finished.Select(r => r.FirstTriggeredDurationMs));
        double baselineDuration = Measure.Median(baseline.Select(r => r.FirstTriggeredDurationMs));
        report.Add("first_checkpoint_duration_finished_ms", finishedDuration);
        report.Add("first_checkpoint_duration_baseline_ms", baselineDuration);
        report.Add("ratio_finished_vs_baseline", finishedDuration / baselineDuration);
        report.Add("checkpoints_while_queued_finished", Measure.Median(finished.Select(r => (double)r.CheckpointsWhileQueued)));
        report.Add("checkpoints_while_queued_baseline", Measure.Median(baseline.Select(r => (double)r.CheckpointsWhileQueued)));
        report.Add("quick_drain_ms", Measure.Median(finished.Select(r => r.DrainMs)));
        report.Add("rounds", rounds);
        return report;
    }

    private sealed record Result(double FirstCheckpointMs, double FirstTriggeredDurationMs, int CheckpointsWhileQueued, double DrainMs, long Checksum);

    private static async Task<Result> RunVariantAsync(bool finished)
    {
        string directory = Directory.CreateTempSubdirectory("dslflow-bench-chk-").FullName;
        try
        {
            FinishedSourcePipeline.QuickInput = new QuickSource(endsAfterEmitting: finished);
            FinishedSourcePipeline.Progress = new QuickProgress();
            var options = new PipelineOptions
            {
                BufferSize = 64,
                ExclusiveCreditsPerChannel = 16, // room for Quick's share of every channel: it emits at once, then ends
                FloatingCreditsPerGate = 8,
                RestartStrategy = RestartStrategy.None,
            };
            options.Checkpointing.Interval = TimeSpan.FromMilliseconds(200);
            options.Checkpointing.Timeout = TimeSpan.FromMinutes(10); // measure the stall, do not fail on it
            options.Checkpointing.Unaligned = true;
            options.Checkpointing.Directory = directory;
            options.Checkpointing.StartFresh = true;
            options.Checkpointing.StatsHistorySize = 10_000;

            await using JobHandle job = FinishedSourcePipeline.Start(options);
            await Task.Delay(WarmUp); // every input queue of the keyed node fills with Live's records
            StreamTask quick = job.Tasks.Single(t => t.Context.TaskName == "Quick");
            FinishedSourcePipeline.QuickInput.Release();
            var guard = Stopwatch.StartNew();
            // The finished variant: the subtask sent its end of input. The baseline: it sent every record, and idles.
            while (finished ? !quick.IsWaitingForFinalCheckpoint : quick.RecordsOut < FinishedSourcePipeline.QuickRecords)
            {
                Guard(guard, "Quick to emit its records");
                await Task.Delay(1);
            }
            DateTimeOffset emitted = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            while (FinishedSourcePipeline.Progress.Count < FinishedSourcePipeline.QuickRecords)
            {
                Guard(guard, "the keyed node to process Quick's records");
                await Task.Delay(1);
            }
            double drainMs = clock.Elapsed.TotalMilliseconds;
            DateTimeOffset drained = DateTimeOffset.UtcNow;
            CheckpointRecord? triggered;
            while ((triggered = job.Checkpoints.FirstOrDefault(c => c.Status == CheckpointStatus.Completed && c.TriggeredAt > emitted)) is null)
            {
                Guard(guard, "a checkpoint triggered after Quick emitted its records to complete");
                await Task.Delay(1);
            }
            int whileQueued = job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed && c.EndedAt > emitted && c.EndedAt < drained);
            double firstMs = (triggered.EndedAt!.Value - emitted).TotalMilliseconds;
            double durationMs = triggered.Duration!.Value.TotalMilliseconds;
            Console.WriteLine($"{(finished ? "finished" : "baseline"),-9} the first checkpoint triggered after Quick's records were out "
                + $"completed {firstMs,8:N0} ms after that and took {durationMs,8:N1} ms; {whileQueued,3} checkpoints while they were queued, "
                + $"drained in {drainMs,8:N0} ms");
            return new Result(firstMs, durationMs, whileQueued, drainMs, FinishedSourcePipeline.Progress.Checksum);
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

    private static void Guard(Stopwatch guard, string what)
    {
        if (guard.Elapsed > HangGuard)
        {
            throw new TimeoutException($"Waited {HangGuard} for {what}.");
        }
    }
}
