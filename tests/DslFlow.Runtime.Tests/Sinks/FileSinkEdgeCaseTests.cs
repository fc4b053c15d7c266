using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Sources;
using static DslFlow.Runtime.Tests.Sinks.FileSinkTestKit;

namespace DslFlow.Runtime.Tests.Sinks;

/// <summary>
/// From an adversarial review of the run-aware FileSink: each test is a way a production user lost, duplicated or
/// could not publish records with the first version of it.
/// </summary>
public sealed class FileSinkEdgeCaseTests
{
    private static FileSink<string> Compacting(string directory, int every = 2) =>
        new(directory) { Compaction = new FileCompaction { EveryCheckpoints = every } };

    /// <summary>
    /// The rollback of an unpublished compaction deletes two files. It deleted the temporary file first: a process
    /// killed before the manifest's deletion left an unpublished manifest whose temporary file was gone — which the next
    /// recovery read as "published", deleting the merged parts: committed records that were never visible. Now the
    /// manifest goes first; a crash at either step keeps the parts.
    /// </summary>
    [Theory]
    [InlineData("compact.rollback")]
    [InlineData("compact.rollback.temporary")]
    public void A_crash_between_the_two_deletes_of_a_compaction_rollback_does_not_lose_the_parts(string crashBefore)
    {
        using var directory = new TempDirectory();
        CrashInSecondCompaction(directory.Path, "compact.publish"); // manifest durable, merged file not renamed yet

        FileSink<string> rollingBack = Compacting(directory.Path);
        rollingBack.FaultInjector = CrashBefore(crashBefore);
        Assert.Throws<SimulatedCrashException>(() => rollingBack.RecoverTransactions(Restoring(2)));

        FileSink<string> restarted = Compacting(directory.Path);
        restarted.RecoverTransactions(Restoring(2));

        Assert.Equal(["a", "b"], restarted.ReadCommittedLines()); // failed: [], both committed lines deleted
    }

    /// <summary>
    /// The sink-commit guard (<see cref="ITransactionalSink.LastCommittedCheckpoint"/>) must know about every commit,
    /// or a fallback to an older checkpoint after damage silently replays committed records. CollectSink records the
    /// commits its recovery makes; FileSink's recovery publishes the restored checkpoint's pending parts without
    /// writing <c>.commits</c>. Restart from 5 (publishing part 5), crash before 6, checkpoint 5 damaged: the
    /// selector falls back to 4 without refusing, and part 5's records are written a second time.
    /// </summary>
    [Fact]
    public void Recovery_that_publishes_the_restored_checkpoints_parts_records_the_commit_for_the_guard()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path);
        var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));
        writer.Write(["a"]);
        writer.PreCommit(4);
        writer.Commit(4); // recorded: 4
        writer.Write(["b"]);
        writer.PreCommit(5); // checkpoint 5 completes; its notification never reaches the sink (crash)

        var restarted = new FileSink<string>(directory.Path);
        restarted.RecoverTransactions(Restoring(5));

        Assert.Equal(["a", "b"], restarted.ReadCommittedLines()); // b is published now ...
        Assert.Equal(5, restarted.LastCommittedCheckpoint(Run)); // ... but the guard still says 4
        writer.Dispose();
    }

    /// <summary>
    /// Upgrade: a job stopped with <c>StopWithCheckpointAsync</c> by the previous DslFlow version ("two-phase-commit
    /// sinks commit it now or, at the latest, when the job starts again from it") may leave its last checkpoint's parts
    /// in <c>.pending/part-{subtask}-{n}.txt</c>. The new version restores that checkpoint but never publishes parts
    /// without a run id ("still read, never recovered"), so those records are lost — the sources resume after them.
    /// </summary>
    [Fact]
    public void After_an_upgrade_the_restored_checkpoints_pending_parts_of_the_old_naming_are_published()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(directory.Path, ".pending"));
        File.WriteAllText(Path.Combine(directory.Path, "part-0-6.txt"), "published by the old version\n");
        File.WriteAllText(Path.Combine(directory.Path, ".pending", "part-0-7.txt"), "completed, not yet committed\n");

        var sink = new FileSink<string>(directory.Path);
        sink.RecoverTransactions(Restoring(7)); // the upgraded job restores checkpoint 7 (its run id is the stored one)

        Assert.Equal(["published by the old version", "completed, not yet committed"], sink.ReadCommittedLines());
    }

    /// <summary>
    /// A compacting run killed with committed parts still hidden (no Dispose), followed by a <c>StartFresh</c> run (a
    /// new run id) into the same output: the new run cannot tell whether the killed run is still alive elsewhere, so it
    /// leaves those parts — but says they are committed output and what to do, instead of calling them deletable. The
    /// killed run's own restore still publishes them.
    /// </summary>
    [Fact]
    public void A_StartFresh_run_after_a_killed_compacting_run_names_its_hidden_committed_parts_as_output_to_move()
    {
        using var directory = new TempDirectory();
        var killed = Compacting(directory.Path, every: 10);
        var writer = (ITwoPhaseCommitWriter<string>)killed.CreateWriter(Checkpointed(0));
        writer.Write(["committed by the killed run"]);
        writer.PreCommit(1);
        writer.Commit(1); // committed: hidden until a compaction that never comes
        // kill -9: no Dispose. The operator restarts with StartFresh: a new run id.

        var logs = new DslFlow.Runtime.Tests.Support.ListLoggerProvider();
        Guid fresh = Guid.NewGuid();
        var sink = Compacting(directory.Path, every: 10);
        sink.RecoverTransactions(Restoring(null, fresh, logs.CreateLogger("sink")));

        Assert.Contains(logs.Levels, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && l.Message.Contains("1 committed parts of other jobs or runs", StringComparison.Ordinal)
            && l.Message.Contains("move its parts", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("committed", StringComparison.Ordinal) && l.Message.Contains("deleted", StringComparison.Ordinal));
        Compacting(directory.Path, every: 10).RecoverTransactions(Restoring(1)); // the killed run is restored after all
        Assert.Equal(["committed by the killed run"], sink.ReadCommittedLines());
    }

    /// <summary>
    /// Two FileSink nodes of one job writing into one directory would share the run id, so each would take the other's
    /// files as its own (one's commit rolling back the other's live compaction): the second is refused at start.
    /// </summary>
    [Fact]
    public void Two_file_sinks_of_one_job_into_one_directory_are_refused_at_start()
    {
        using var directory = new TempDirectory();
        Guid run = Guid.NewGuid();
        Compacting(directory.Path).RecoverTransactions(new SinkRecoveryContext("job", "A", run, null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));

        var refused = Assert.Throws<JobConfigurationException>(() => Compacting(directory.Path).RecoverTransactions(
            new SinkRecoveryContext("job", "B", run, null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)));

        Assert.Contains("Sinks 'A' and 'B' of job 'job' both write into", refused.Message, StringComparison.Ordinal);
        Compacting(directory.Path).RecoverTransactions(new SinkRecoveryContext("job", "A", run, 1, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)); // A's restart
    }

    /// <summary>
    /// A directory whose name is a part's (left by a tool, or a consumer's mkdir) makes <c>Publish</c> fail for ever:
    /// <c>PartNameTaken</c> asks <c>File.Exists</c>, which is false for a directory, and the move onto it fails — at
    /// every commit and every recovery, so the job can never get past that checkpoint.
    /// </summary>
    [Fact]
    public void A_directory_named_like_a_part_does_not_block_its_publication()
    {
        using var directory = new TempDirectory();
        Directory.CreateDirectory(Path.Combine(directory.Path, Part("0-1.txt"), "something"));
        var sink = new FileSink<string>(directory.Path);
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));
        writer.Write(["a"]);
        writer.PreCommit(1);

        Exception? failure = Record.Exception(() => writer.Commit(1));

        Assert.Null(failure); // failed: IOException from File.Move onto the directory
        Assert.Equal(["a"], sink.ReadCommittedLines());
    }

    /// <summary>
    /// An abandoned task's writer (the cancellation watchdog gave up on it) is disposed late, when its stuck user code
    /// returns — while the next attempt's writer of the same subtask works. Its Dispose compacted that writer's hidden
    /// parts behind its back (two compactions of the same parts publish them twice). A writer created before the
    /// latest recovery no longer compacts.
    /// </summary>
    [Fact]
    public void A_late_Dispose_of_an_abandoned_writer_touches_none_of_the_next_attempts_files()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path) { Compaction = new FileCompaction { EveryCheckpoints = 3 } };
        ISinkWriter<string> abandoned = sink.CreateWriter(Checkpointed(0));
        sink.RecoverTransactions(Restoring(null)); // the restart
        var next = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));
        next.Write(["a"]);
        next.PreCommit(1);
        next.Commit(1);
        next.Write(["b"]);
        next.PreCommit(2);
        next.Commit(2);
        var touched = new List<string>();
        sink.FaultInjector = (operation, path) => touched.Add($"{operation} {Path.GetFileName(path)}");

        abandoned.Dispose(); // what the runtime calls when the abandoned task's stuck call returns

        Assert.Empty(touched); // failed: the abandoned writer merged and published the next attempt's hidden parts
        next.Write(["c"]);
        next.PreCommit(3);
        next.Commit(3);
        next.Dispose();
        Assert.Equal(["a", "b", "c"], sink.ReadCommittedLines());
    }
}
