using System.Diagnostics;
using DslFlow.Bench.Harness;

namespace DslFlow.Bench.Changelog;

/// <summary>
/// Issue 15 item 5's <c>throughput_ratio</c>: what the changelog costs the job itself. The checkpoint-duration runs
/// are rate-limited, so they cannot show it; here the same 1 M-key job runs with its source unthrottled for a fixed
/// window, checkpointing every 100 ms, full snapshots against the changelog (materializing every 3 s), in alternating
/// rounds (full, changelog, full, …) so a drift of the shared machine hits both alike. Each round starts fresh, waits
/// for the prefill to be processed and, for the changelog, for the first materialization of the whole state, then
/// counts the records the keyed task takes in the window.
/// </summary>
internal static class ChangelogThroughput
{
    private static readonly TimeSpan Materialization = TimeSpan.FromSeconds(3);

    /// <summary>Medians over the rounds; checkpoints per second say how often each backend really completed one.</summary>
    public sealed record Result(double Ratio, double FullRecordsPerSecond, double ChangelogRecordsPerSecond, int Pairs,
        double FullCheckpointsPerSecond, double ChangelogCheckpointsPerSecond);

    private sealed record Round(double RecordsPerSecond, double CheckpointsPerSecond);

    public static async Task<Result> RunAsync(bool quick)
    {
        int pairs = quick ? 5 : 7;
        TimeSpan window = quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(5);
        var full = new List<Round>();
        var changelog = new List<Round>();
        var ratios = new List<double>();
        for (int pair = 0; pair < pairs; pair++)
        {
            full.Add(await RoundAsync(changelog: false, window));
            changelog.Add(await RoundAsync(changelog: true, window));
            ratios.Add(changelog[^1].RecordsPerSecond / full[^1].RecordsPerSecond);
            Console.WriteLine($"throughput pair {pair + 1}: full {full[^1].RecordsPerSecond:N0} rec/s "
                + $"({full[^1].CheckpointsPerSecond:0.#} checkpoints/s), changelog {changelog[^1].RecordsPerSecond:N0} rec/s "
                + $"({changelog[^1].CheckpointsPerSecond:0.#} checkpoints/s), ratio {ratios[^1]:0.###}");
        }
        return new Result(Measure.Median(ratios), Measure.Median(full.Select(r => r.RecordsPerSecond)),
            Measure.Median(changelog.Select(r => r.RecordsPerSecond)), pairs,
            Measure.Median(full.Select(r => r.CheckpointsPerSecond)), Measure.Median(changelog.Select(r => r.CheckpointsPerSecond)));
    }

    /// <summary>Records per second the keyed task took over the window of one fresh run, and checkpoints completed.</summary>
    private static async Task<Round> RoundAsync(bool changelog, TimeSpan window)
    {
        string directory = ChangelogJob.NewDirectory("throughput");
        try
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var source = new PrefillThenRateSource { Unthrottled = true };
            await using JobHandle job = ChangelogJob.Start($"changelog-throughput-{(changelog ? "on" : "off")}", directory,
                changelog, Materialization, source, fresh: true);
            DateTimeOffset prefilled = await ChangelogJob.WaitForRecordsAsync(job, ChangelogBenchPipeline.Keys);
            if (changelog)
            {
                await ChangelogJob.WaitForMaterializationAsync(job, prefilled);
            }
            else
            {
                await ChangelogJob.WaitForCheckpointAsync(job, prefilled);
            }
            long before = ChangelogJob.RecordsIn(job);
            long checkpointsBefore = job.CheckpointStats!.Counts.Completed;
            var clock = Stopwatch.StartNew();
            await Task.Delay(window);
            long after = ChangelogJob.RecordsIn(job);
            long checkpointsAfter = job.CheckpointStats!.Counts.Completed;
            double seconds = clock.Elapsed.TotalSeconds;
            await ChangelogJob.StopAsync(job);
            return new Round((after - before) / seconds, (checkpointsAfter - checkpointsBefore) / seconds);
        }
        finally
        {
            Measure.DeleteDirectory(directory);
        }
    }
}
