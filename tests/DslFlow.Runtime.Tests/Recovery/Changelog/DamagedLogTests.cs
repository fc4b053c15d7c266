using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Committed;
using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>
/// A damaged log file is handled like a damaged state file: the checkpoint that lists it is skipped with a warning
/// naming the file, the older checkpoint is restored, and the job's output continues exactly from it.
/// </summary>
public class DamagedLogTests
{
    private const long Records = 4_000;

    private static PipelineOptions Options(string directory)
    {
        var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.None };
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = 2;
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only triggered checkpoints
        options.Checkpointing.Directory = directory;
        options.Checkpointing.RetainedCheckpoints = 3;
        options.Changelog.Enabled = true;
        options.Changelog.MaterializationInterval = TimeSpan.FromDays(1); // the log holds everything
        return options;
    }

    private static async Task RunToPauseAndCheckpointAsync(string directory, long pauseAt)
    {
        ChangelogCounterPipeline.Input = new GatedSource(Records, pauseAt);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle job = ChangelogCounterPipeline.Start(Options(directory));
        await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);
        job.Cancel();
        await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
    }

    private static HashSet<string> LogFiles(string directory) =>
        [.. Directory.EnumerateFiles(Path.Combine(directory, "counter", "shared"), "changelog-*")];

    [Fact]
    public async Task A_damaged_log_file_skips_the_checkpoint_that_lists_it_and_the_older_one_restores_exactly()
    {
        using var directory = new TempCheckpointDirectory();
        await RunToPauseAndCheckpointAsync(directory.Path, Records / 4); // checkpoint 1
        HashSet<string> first = LogFiles(directory.Path);
        await RunToPauseAndCheckpointAsync(directory.Path, Records / 2); // checkpoint 2: the first run's log and its own
        // The second run's log files (one, or more when the subtasks' tails missed each other's write): only checkpoint 2 lists them.
        string damaged = LogFiles(directory.Path).Except(first).Order(StringComparer.Ordinal).First();
        byte[] bytes = await File.ReadAllBytesAsync(damaged);
        bytes[bytes.Length / 2] ^= 0x5a;
        await File.WriteAllBytesAsync(damaged, bytes);

        var logs = new ListLoggerProvider();
        PipelineOptions options = Options(directory.Path);
        options.LoggerFactory = LoggerFactory.Create(b => b.AddProvider(logs));
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle job = ChangelogCounterPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(1, job.RestoredCheckpointId);
        string warning = Assert.Single(logs.Levels, l => l.Level == LogLevel.Warning && l.Message.Contains("chk-2", StringComparison.Ordinal)).Message;
        Assert.Contains($"shared/{Path.GetFileName(damaged)}", warning, StringComparison.Ordinal);
        Assert.Contains("fails its checksum", warning, StringComparison.Ordinal);
        Assert.Contains("it restores the older checkpoint 1 instead", warning, StringComparison.Ordinal);
        IReadOnlyList<Counted> output = ChangelogCounterPipeline.Output.Results;
        Assert.Equal(Records - Records / 4, output.Count); // everything after checkpoint 1
        Assert.All(output.GroupBy(c => c.Key), key => Assert.Equal(
            Enumerable.Range(0, (int)Records).Count(v => v % ChangelogCounterPipeline.Keys == key.Key), key.Last().Count));
    }
}
