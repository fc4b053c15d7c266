using DslFlow.Runtime.Tests.Sources;

namespace DslFlow.Runtime.Tests.Sinks;

/// <summary>File-sink compaction: committed parts stay hidden until merged; nothing is lost or published twice.</summary>
public sealed class FileSinkCompactionTests
{
    private static NodeContext Checkpointed(int subtask) => FileSinkTests.Checkpointed(subtask);

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
        Assert.Equal(["part-0-1.txt"], Hidden(directory.Path));

        writer.Write(["c"]);
        writer.PreCommit(2);
        writer.Commit(2);
        Assert.Equal(["a", "b", "c"], sink.ReadCommittedLines());
        Assert.Equal(["part-0-1-to-2.txt"], Visible(directory.Path));
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
        Assert.Equal(["part-0-1-to-2.txt", "part-0-3-to-5.txt"], Visible(directory.Path));
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

        Assert.Equal(["part-1-1.txt"], Visible(directory.Path));
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

    [Fact]
    public void Recovery_after_a_crash_between_publishing_and_deleting_publishes_each_line_once()
    {
        using var directory = new TempDirectory();
        var crashed = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        var writer = (ITwoPhaseCommitWriter<string>)crashed.CreateWriter(Checkpointed(0));
        foreach ((long id, string line) in new[] { (1L, "a"), (2L, "b"), (3L, "c"), (4L, "d") })
        {
            writer.Write([line]);
            writer.PreCommit(id);
            writer.Commit(id);
        }
        // Simulate two crashed compactions: one of parts 1..2 that was published but whose parts were not deleted yet,
        // and one of parts 3..4 that had written its manifest but was never published.
        string hidden = Path.Combine(directory.Path, ".committed");
        File.WriteAllText(Path.Combine(directory.Path, "part-0-1-to-2.txt"), "a\nb\n");
        File.WriteAllLines(Path.Combine(hidden, "compacting-0-done.manifest"), ["part-0-1-to-2.txt", "part-0-1.txt", "part-0-2.txt"]);
        File.WriteAllText(Path.Combine(hidden, "compacting-0-lost.tmp"), "c\nd\n");
        File.WriteAllLines(Path.Combine(hidden, "compacting-0-lost.manifest"), ["part-0-3-to-4.txt", "part-0-3.txt", "part-0-4.txt"]);

        var restarted = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        restarted.RecoverTransactions(4);
        restarted.RecoverTransactions(4);

        Assert.Equal(["a", "b", "c", "d"], restarted.ReadCommittedLines());
        Assert.Empty(Hidden(directory.Path));
        writer.Dispose();
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
            sink.RecoverTransactions(null); // a fresh start: the first run's checkpoints were discarded when it finished
            using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));
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
        compacting.RecoverTransactions(1);

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
        plain.RecoverTransactions(2);

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
    public async Task A_job_without_checkpoints_publishes_what_a_crashed_compacting_run_committed_and_drops_its_open_parts()
    {
        using var directory = new TempDirectory();
        var crashed = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 10 } };
        var writer = (ITwoPhaseCommitWriter<string>)crashed.CreateWriter(Checkpointed(0));
        writer.Write(["committed"]);
        writer.PreCommit(1);
        writer.Commit(1); // hidden, waiting for compaction
        writer.Write(["open"]);
        writer.PreCommit(2); // never completed
        // The process dies; the job is started again without checkpointing.
        FileSinkJob.Sink = new FileSink<string>(directory.Path);

        await using (JobHandle job = FileSinkJob.Start(new PipelineOptions()))
        {
            await job.Completion;
        }

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
