using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Regression tests from an adversarial review of issue 11: each failed before its fix. The comments describe the
/// failure they caught (F1 … F7).
/// </summary>
public class RestoreEdgeCaseTests
{
    private const long Records = 4_000;

    /// <summary>
    /// F1. The job's `_job` file is damaged; its refusal says "delete it to let the job adopt the identity of its newest
    /// checkpoint". Doing so also switches off the guard against falling back past a damaged checkpoint a sink
    /// committed: with no stored identity, CheckpointSelector never asks the sinks (committed = null), restores chk-2
    /// and commits the records after it a second time.
    /// </summary>
    [Fact]
    public async Task Without_a_job_identity_file_the_committed_checkpoint_guard_still_refuses_a_fall_back()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 3), dirs.Output, Records, triggered: 2); // chk-1..3, all committed
        string folder = Ledger.JobFolder(dirs.Checkpoints);
        DamagedCheckpointTests.Harm(Path.Combine(folder, "chk-3"), DamagedCheckpointTests.Damage.FlippedBytes);
        File.WriteAllText(Path.Combine(folder, JobCheckpointFolder.IdentityFileName), "garbage");

        var first = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records));
        Assert.Contains("delete it", first.Message);
        File.Delete(Path.Combine(folder, JobCheckpointFolder.IdentityFileName)); // as advised

        JobConfigurationException? refusal = null;
        try
        {
            await using JobHandle job = Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records);
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (JobConfigurationException ex)
        {
            refusal = ex;
        }
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(dirs.Output)); // fails: records 2000..3999 committed twice
        Assert.NotNull(refusal);
        Assert.Contains("committed checkpoint 3", refusal.Message);
    }

    /// <summary>
    /// F2. Two jobs write into one FileSink directory. Job A's start (RecoverTransactions) deleted every pending part in
    /// `.pending`, including job B's part of a checkpoint B completed but whose commit had not reached the sink yet.
    /// B's checkpoint 1 then never became visible: its records were lost (B's source resumes after them). Part files
    /// now carry their job run's id, and a recovery touches only its own run's.
    /// </summary>
    [Fact]
    public void A_second_job_starting_on_the_same_FileSink_directory_leaves_the_first_jobs_checkpointed_records_alone()
    {
        using var dirs = new LedgerDirectories();
        var options = new PipelineOptions();
        var contextB = new NodeContext("Ledger", 0, 1, options, NullLogger.Instance, CancellationToken.None, checkpointsEnabled: true)
        {
            JobName = "b",
            JobId = Guid.NewGuid(),
        };
        var sinkB = new FileSink<string>(dirs.Output);
        using var writerB = (ITwoPhaseCommitWriter<string>)sinkB.CreateWriter(contextB);
        writerB.Write(new[] { "b-1", "b-2" });
        writerB.PreCommit(1); // B's barrier 1: sealed, checkpoint 1's metadata is written next

        // Job A starts fresh with the same output directory.
        new FileSink<string>(dirs.Output).RecoverTransactions(new SinkRecoveryContext("a", "Ledger", Guid.NewGuid(), null, NullLogger.Instance));

        Exception? commitFailure = Record.Exception(() => writerB.Commit(1)); // B's checkpoint 1 completed
        Assert.Equal(["b-1", "b-2"], sinkB.ReadCommittedLines()); // failed: B's committed checkpoint had no output
        Assert.Null(commitFailure);
    }

    /// <summary>
    /// F3. A StartFresh run is stopped (deploy, SIGKILL, cancel) before its first checkpoint; the next start without
    /// StartFresh is refused: the older run's checkpoints are reported as "another job's state" and the user is told to
    /// point the job at its own folder. Nothing of the current run was checkpointed or committed, so it should start
    /// (as the current run, from the beginning) — or at least name the situation correctly.
    /// </summary>
    [Fact]
    public async Task After_a_StartFresh_run_stopped_before_its_first_checkpoint_the_next_start_continues_that_run_without_the_older_checkpoints()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 3), dirs.Output, Records, triggered: 1); // chk-1, chk-2 retained
        string fresh = Path.Combine(dirs.Root, "out-fresh");

        PipelineOptions startFresh = Ledger.Options(dirs.Checkpoints);
        startFresh.Checkpointing.StartFresh = true;
        JobHandle stopped = Ledger.Start(startFresh, fresh, Records, Records / 2);
        await Task.WhenAny(LedgerPipeline.Input.Paused, stopped.Completion).WaitAsync(TimeSpan.FromMinutes(1));
        await stopped.DisposeAsync(); // stopped before any checkpoint of the new run
        Assert.Empty(stopped.Checkpoints);

        Exception? failure = null;
        try
        {
            await using JobHandle next = Ledger.Start(Ledger.Options(dirs.Checkpoints), fresh, Records, Records);
            await next.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (JobConfigurationException ex)
        {
            failure = ex;
        }
        Assert.True(failure is null, $"refused: {failure?.Message}"); // fails: "belongs to job 'ledger' (id …), not to job 'ledger' (id …)"
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(fresh));
    }

    /// <summary>
    /// F4. The user accepts the fall-back past a damaged checkpoint with RestoreFrom = "chk-2" (as the refusal says).
    /// The job then fails once, before its first new checkpoint: the restart ignores RestoreFrom, hits the same damaged
    /// chk-3, and fails the job for good with a JobConfigurationException — the explicit way out only survives until the
    /// first ordinary failure.
    /// </summary>
    [Fact]
    public async Task A_restart_after_an_accepted_RestoreFrom_fall_back_restores_again_instead_of_failing_for_good()
    {
        using var dirs = new LedgerDirectories();
        PipelineOptions first = Ledger.Options(dirs.Checkpoints, retained: 3);
        LedgerPipeline.Input = new GatedSource(Records, Records / 2);
        LedgerPipeline.OutputDirectory = dirs.Output;
        await using (JobHandle job = LedgerPipeline.Start(first))
        {
            await LedgerPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);
            }
            LedgerPipeline.Input.Resume();
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1)); // chk-3 final, retained
        }
        string folder = Ledger.JobFolder(dirs.Checkpoints);
        DamagedCheckpointTests.Harm(Path.Combine(folder, "chk-3"), DamagedCheckpointTests.Damage.FlippedBytes);

        PipelineOptions named = Ledger.Options(dirs.Checkpoints);
        named.Checkpointing.RestoreFrom = "chk-2";
        named.RestartStrategy = RestartStrategy.FixedDelay(3, TimeSpan.FromMilliseconds(10));
        LedgerPipeline.Input = new GatedSource(Records, Records, failAt: Records * 3 / 4, failures: 1);
        Exception? failure = null;
        await using (JobHandle fallBack = LedgerPipeline.Start(named))
        {
            Assert.Equal(2, fallBack.RestoredCheckpointId);
            failure = await Record.ExceptionAsync(() => fallBack.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        }
        Assert.True(failure is null, $"the job failed: {failure?.Message}"); // fails: JobConfigurationException "cannot start: … damaged …"
        Assert.Equal(Records + (Records / 2), Ledger.Committed(dirs.Output).Count); // the duplicates the user accepted, no more
    }

    /// <summary>
    /// F5. A job name with a line break passes the name check on Linux (GetInvalidFileNameChars is only '\0' and '/'),
    /// the first run writes `_job` with the name spread over two lines, and every later start is refused: "The job
    /// identity file … is damaged". The name should be refused at the first start, or survive the round trip.
    /// </summary>
    [Fact]
    public async Task A_job_name_with_a_line_break_is_refused_at_its_first_start()
    {
        using var dirs = new LedgerDirectories();
        const string name = "orders\nledger";
        try
        {
            await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, jobName: name), dirs.Output, Records, triggered: 1);
        }
        catch (JobConfigurationException)
        {
            return; // refused at the first start: fine
        }
        Exception? second = null;
        try
        {
            await using JobHandle again = Ledger.Start(Ledger.Options(dirs.Checkpoints, jobName: name), dirs.Output, Records, Records);
            await again.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        catch (JobConfigurationException ex)
        {
            second = ex;
        }
        Assert.True(second is null, $"second start refused: {second?.Message}");
    }

    /// <summary>
    /// F6. StartFresh and RestoreFrom together contradict each other; the job silently drops RestoreFrom and starts
    /// from the beginning (replaying everything the named checkpoint covers over the committed output).
    /// </summary>
    [Fact]
    public async Task StartFresh_together_with_RestoreFrom_is_refused()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 3), dirs.Output, Records, triggered: 1);
        PipelineOptions both = Ledger.Options(dirs.Checkpoints);
        both.Checkpointing.StartFresh = true;
        both.Checkpointing.RestoreFrom = "chk-1";
        long? restored = -1;
        Exception? refusal = Record.Exception(() =>
        {
            JobHandle job = Ledger.Start(both, Path.Combine(dirs.Root, "out2"), Records, Records);
            restored = job.RestoredCheckpointId;
            job.DisposeAsync().AsTask().GetAwaiter().GetResult();
        });
        Assert.True(refusal is ArgumentException || restored == 1, // option conflicts fail Start like every invalid setting
            $"neither refused nor restored chk-1: restored {restored?.ToString() ?? "nothing"}");
    }

    /// <summary>
    /// F7. The newest checkpoint directory is gone entirely (the checkpoint folder was restored from an older backup,
    /// or chk-3 was removed by hand) while the sink committed checkpoint 3. The refusal is right, but its message says
    /// "its newest checkpoints … are damaged ()" — an empty list — and calls them damaged although nothing damaged is
    /// left; it should say that checkpoint 3, which a sink committed, is missing from the folder.
    /// </summary>
    [Fact]
    public async Task A_committed_checkpoint_whose_directory_is_gone_is_named_as_missing_in_the_refusal()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 3), dirs.Output, Records, triggered: 2);
        string folder = Ledger.JobFolder(dirs.Checkpoints);
        Directory.Delete(Path.Combine(folder, "chk-3"), recursive: true);

        var refusal = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records));
        Assert.Contains("committed checkpoint 3", refusal.Message);
        Assert.DoesNotContain("damaged ()", refusal.Message); // fails
        Assert.Contains("chk-3", refusal.Message);
    }
}
