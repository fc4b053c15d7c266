using DslFlow.Runtime.Tests.Sources;
using static DslFlow.Runtime.Tests.Sinks.FileSinkTestKit;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Sinks;

/// <summary>File-sink compaction: committed parts stay hidden until merged; nothing is lost or published twice.</summary>
public sealed class FileSinkCompactionTests
{
    private static string[] Visible(string directory) =>
        Directory.EnumerateFiles(directory, "part-*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    private static string[] Hidden(string directory) =>
        Directory.EnumerateFiles(Path.Combine(directory, ".committed")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public void Committed_parts_stay_hidden_until_every_second_checkpoint_merges_them_into_one_file()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 2 } };
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));

        writer.Write(["a", "b"]);
        writer.PreCommit(1);
        writer.Commit(1);
        Assert.Empty(sink.ReadCommittedLines()); // committed, not yet visible
        Assert.Equal([Part("0-1.txt")], Hidden(directory.Path));

        writer.Write(["c"]);
        writer.PreCommit(2);
        writer.Commit(2);
        Assert.Equal(["a", "b", "c"], sink.ReadCommittedLines());
        Assert.Equal([Part("0-1-to-2.txt")], Visible(directory.Path));
        Assert.Empty(Hidden(directory.Path));

        writer.Write(["d"]);
        writer.PreCommit(3);
        writer.Commit(3);
        writer.Write(["e"]);
        writer.PreCommit(4);
        writer.Write(["f"]);
        writer.PreCommit(5);
        writer.Commit(5); // one notification for 4 and 5
        Assert.Equal(["a", "b", "c", "d", "e", "f"], sink.ReadCommittedLines());
        Assert.Equal([Part("0-1-to-2.txt"), Part("0-3-to-5.txt")], Visible(directory.Path));
    }

    [Fact]
    public void A_single_hidden_part_is_published_as_it_is()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 2 } };
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(1));

        writer.Write(["x"]);
        writer.PreCommit(1);
        writer.Commit(1);
        writer.PreCommit(2); // nothing written: no part
        writer.Commit(2);

        Assert.Equal([Part("1-1.txt")], Visible(directory.Path));
        Assert.Equal(["x"], sink.ReadCommittedLines());
    }

    [Fact]
    public void Reaching_the_size_threshold_compacts_before_the_checkpoint_count()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 100, SizeThreshold = 10 } };
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));

        writer.Write(["1234"]); // 5 bytes with the line break
        writer.PreCommit(1);
        writer.Commit(1);
        Assert.Empty(sink.ReadCommittedLines());
        writer.Write(["5678"]);
        writer.PreCommit(2);
        writer.Commit(2); // 10 bytes hidden: compact

        Assert.Equal(["1234", "5678"], sink.ReadCommittedLines());
        Assert.Empty(Hidden(directory.Path));
    }

    [Fact]
    public void The_final_checkpoint_after_the_end_of_input_leaves_nothing_hidden()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 5 } };
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));

        writer.Write(["a"]);
        writer.PreCommit(1);
        writer.Commit(1);
        writer.Write(["b"]);
        writer.Flush(); // end of input
        writer.PreCommit(2); // the final checkpoint
        writer.Commit(2);

        Assert.Equal(["a", "b"], sink.ReadCommittedLines());
        Assert.Empty(Hidden(directory.Path));
    }

    [Theory]
    [InlineData("compact.publish")] // the manifest is durable, the merged file not yet renamed: roll back
    [InlineData("compact.record")] // renamed, the publication not yet recorded: the missing temporary file proves it
    [InlineData("compact.delete")] // recorded, the merged parts not yet deleted
    public void Recovery_after_a_crash_in_a_compaction_publishes_each_line_once(string crashBefore)
    {
        using var directory = new TempDirectory();
        CrashInSecondCompaction(directory.Path, crashBefore); // the compaction of 1..2 dies

        var restarted = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 2 } };
        restarted.RecoverTransactions(Restoring(2));
        restarted.RecoverTransactions(Restoring(2));

        Assert.Equal(["a", "b"], restarted.ReadCommittedLines());
        Assert.Empty(Hidden(directory.Path));
    }

    [Theory]
    [InlineData("compact.record")]
    [InlineData("compact.delete")]
    public void A_merged_file_a_consumer_moved_away_before_the_recovery_is_not_published_again(string crashBefore)
    {
        using var directory = new TempDirectory();
        using var consumed = new TempDirectory();
        CrashInSecondCompaction(directory.Path, crashBefore); // published 1..2, then died
        foreach (string published in Directory.GetFiles(directory.Path, "part-*.txt"))
        {
            File.Move(published, Path.Combine(consumed.Path, Path.GetFileName(published))); // a consumer takes what it sees
        }

        new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 2 } }.RecoverTransactions(Restoring(2));

        Assert.Equal(["a", "b"], new FileSink<string>(consumed.Path).ReadCommittedLines());
        Assert.Empty(new FileSink<string>(directory.Path).ReadCommittedLines()); // before the fix: "a", "b" published again
        Assert.Empty(Hidden(directory.Path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_second_run_whose_checkpoint_ids_start_again_loses_nothing_of_either_run(bool compacting)
    {
        using var directory = new TempDirectory();
        foreach (string[] run in new[] { new[] { "a", "b" }, new[] { "c", "d" } })
        {
            var sink = new FileSink<string>(directory.Path) { Compaction = compacting ? new FileCompaction { EveryCheckpoints = 2 } : null };
            Guid jobId = Guid.NewGuid(); // a new run: the first run's checkpoints were discarded when it finished
            sink.RecoverTransactions(Restoring(null, jobId));
            using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0, jobId));
            for (int i = 0; i < run.Length; i++)
            {
                writer.Write([run[i]]);
                writer.PreCommit(i + 1); // ids 1 and 2 in both runs
                writer.Commit(i + 1);
            }
        }

        Assert.Equal(["a", "b", "c", "d"], new FileSink<string>(directory.Path).ReadCommittedLines().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Switching_compaction_on_after_a_crash_recovers_the_pending_parts()
    {
        using var directory = new TempDirectory();
        var plain = new FileSink<string>(directory.Path);
        var writer = (ITwoPhaseCommitWriter<string>)plain.CreateWriter(Checkpointed(0));
        writer.Write(["a"]);
        writer.PreCommit(1); // completed, but the commit never reached the sink
        // The process dies.

        var compacting = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 3 } };
        compacting.RecoverTransactions(Restoring(1));

        Assert.Equal(["a"], compacting.ReadCommittedLines());
        writer.Dispose();
    }

    [Fact]
    public void Turning_compaction_off_publishes_what_was_committed_hidden()
    {
        using var directory = new TempDirectory();
        var compacting = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        var writer = (ITwoPhaseCommitWriter<string>)compacting.CreateWriter(Checkpointed(0));
        writer.Write(["a"]);
        writer.PreCommit(1);
        writer.Commit(1);
        writer.Write(["b"]);
        writer.PreCommit(2);
        writer.Commit(2);
        // The process dies: no dispose.

        var plain = new FileSink<string>(directory.Path);
        plain.RecoverTransactions(Restoring(2));

        Assert.Equal(["a", "b"], plain.ReadCommittedLines());
        writer.Dispose();
    }

    [Fact]
    public void Disposing_a_writer_publishes_its_committed_parts()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        using (var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0)))
        {
            writer.Write(["a"]);
            writer.PreCommit(1);
            writer.Commit(1);
            writer.Write(["not committed"]);
            writer.PreCommit(2);
        }

        Assert.Equal(["a"], sink.ReadCommittedLines());
    }

    [Fact]
    public async Task A_job_without_checkpoints_leaves_a_crashed_runs_files_alone_and_that_runs_restore_still_publishes_them()
    {
        using var directory = new TempDirectory();
        var crashed = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        var writer = (ITwoPhaseCommitWriter<string>)crashed.CreateWriter(Checkpointed(0));
        writer.Write(["committed"]);
        writer.PreCommit(1);
        writer.Commit(1); // hidden, waiting for compaction
        writer.Write(["open"]);
        writer.PreCommit(2); // never completed
        // The process dies; another job, without checkpointing, writes into the same directory.
        FileSinkJob.Sink = new FileSink<string>(directory.Path);
        var logs = new DslFlow.Runtime.Tests.Support.ListLoggerProvider();
        var options = new PipelineOptions { LoggerFactory = LoggerFactory.Create(b => b.AddProvider(logs)) };

        await using (JobHandle job = FileSinkJob.Start(options))
        {
            await job.Completion;
        }

        Assert.Equal(["fresh"], FileSinkJob.Sink.ReadCommittedLines());
        Assert.Contains(logs.Lines, line => line.Message.Contains("holds 1 uncommitted pending or in-progress files", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Message.Contains("holds 1 committed parts of other jobs or runs", StringComparison.Ordinal));
        new FileSink<string>(directory.Path).RecoverTransactions(Restoring(1)); // the crashed run restores checkpoint 1
        Assert.Equal(["committed", "fresh"], FileSinkJob.Sink.ReadCommittedLines().Order(StringComparer.Ordinal));
        writer.Dispose();
    }

    [Theory]
    [InlineData(0, 1, "FileCompaction.EveryCheckpoints is 0: it must be at least 1")]
    [InlineData(1, 0, "FileCompaction.SizeThreshold is 0: it must be at least 1 byte")]
    public void Invalid_settings_are_rejected_with_the_setting_and_the_rule(int every, long size, string message)
    {
        var thrown = Assert.Throws<ArgumentException>(() =>
            new FileSink<string>("out") { Compaction = new FileCompaction { EveryCheckpoints = every, SizeThreshold = size } });
        Assert.StartsWith(message, thrown.Message, StringComparison.Ordinal);
    }
}

/// <summary>One record into a file sink, for the recovery-without-checkpoints test.</summary>
[Pipeline(DefaultParallelism = 1)]
public static partial class FileSinkJob
{
    public static FileSink<string> Sink { get; set; } = new("out");

    [Source]
    public static CollectionSource<string> Line() => new(["fresh"]);

    [Sink(nameof(Line))]
    public static FileSink<string> Out() => Sink;
}
