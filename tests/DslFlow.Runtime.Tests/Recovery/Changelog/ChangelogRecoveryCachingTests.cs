using System.Collections.Concurrent;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>
/// Flink's <c>ChangelogRecoveryCachingITCase</c> (FLINK-27155): ten changelog subtasks share their log files, and a
/// restore reads each log file once for the whole process, not once per subtask that replays it. Two runs leave a
/// checkpoint whose log spans two files shared by all ten subtasks; the third run counts every whole-file read of the
/// restore (the storage's read hook; the checksum pass of checkpoint selection is not a restore read) and then runs to
/// the end with exact counts.
/// </summary>
public class ChangelogRecoveryCachingTests
{
    private const long Records = 4_000;
    private const int Parallelism = 10;

    private static PipelineOptions Options(string directory, LocalCheckpointStorage storage)
    {
        var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.None };
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = Parallelism;
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only triggered checkpoints
        options.Checkpointing.Directory = directory;
        options.Checkpointing.Storage = storage;
        options.Changelog.Enabled = true;
        options.Changelog.MaterializationInterval = TimeSpan.FromDays(1); // the log holds everything (Flink: −1 day)
        options.Changelog.PersistDelay = TimeSpan.FromSeconds(3); // every subtask's tail of a checkpoint shares one file
        return options;
    }

    private static async Task RunToPauseAndCheckpointAsync(string directory, long pauseAt)
    {
        ChangelogCounterPipeline.Input = new GatedSource(Records, pauseAt);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle job = ChangelogCounterPipeline.Start(Options(directory, new LocalCheckpointStorage(Path.Combine(directory, "counter"))));
        await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);
        job.Cancel();
        await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_restore_reads_each_shared_log_file_once_however_many_subtasks_replay_it()
    {
        using var directory = new TempCheckpointDirectory();
        await RunToPauseAndCheckpointAsync(directory.Path, Records / 4);
        await RunToPauseAndCheckpointAsync(directory.Path, Records / 2); // restores the first, logs on from it

        var reads = new ConcurrentDictionary<string, int>();
        var storage = new LocalCheckpointStorage(Path.Combine(directory.Path, "counter"))
        {
            ReadObserver = path => reads.AddOrUpdate(path, 1, (_, n) => n + 1),
        };
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle job = ChangelogCounterPipeline.Start(Options(directory.Path, storage));
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Dictionary<string, int> logReads = reads.Where(r => r.Key.Contains("changelog-", StringComparison.Ordinal))
            .ToDictionary(r => r.Key, r => r.Value);
        Assert.InRange(logReads.Count, 2, Parallelism - 1); // both runs' files, shared by the subtasks
        Assert.All(logReads, read => Assert.True(read.Value == 1, $"{read.Key} was read {read.Value} times"));
        IEnumerable<IGrouping<long, Counted>> byKey = ChangelogCounterPipeline.Output.Results.GroupBy(c => c.Key);
        Assert.All(byKey, key => Assert.Equal(Enumerable.Range(0, (int)Records).Count(v => v % ChangelogCounterPipeline.Keys == key.Key),
            key.Last().Count));
    }
}
