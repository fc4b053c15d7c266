namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Upgrades between runs (issue 11, defect 2): compatibility is decided per state, by name and descriptor; state the
/// job no longer declares is refused unless AllowNonRestoredState; in-flight records of a vanished task always are.
/// </summary>
public class StateCompatibilityTests
{
    private const long Records = 1_000;

    private static PipelineOptions Options(string checkpoints, bool unaligned = false)
    {
        PipelineOptions options = Ledger.Options(checkpoints, "counter");
        options.Checkpointing.Unaligned = unaligned;
        options.DefaultParallelism = 2;
        return options;
    }

    /// <summary>Runs version 1 half-way and stops it with a checkpoint.</summary>
    private static async Task StopVersion1Async(string checkpoints, bool unaligned)
    {
        LedgerPipeline.Input = new GatedSource(Records, Records / 2);
        await using JobHandle job = CounterV1.Start(Options(checkpoints, unaligned));
        await LedgerPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        await job.StopWithCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task The_same_graph_restores_and_a_changed_state_type_is_refused_by_name()
    {
        using var dirs = new LedgerDirectories();
        await StopVersion1Async(dirs.Checkpoints, unaligned: false);

        LedgerPipeline.Input = new GatedSource(Records, Records);
        JobHandle changed = CounterV2.Start(Options(dirs.Checkpoints));
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => changed.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.True(JobConfigurationException.IsIn(failure), failure.ToString());
        Assert.Contains("holds state 'Count.count' as ValueState<long> keyed by long", failure.ToString());
        Assert.Contains("now declares it as ValueState<string> keyed by long", failure.ToString());
        Assert.Equal(0, changed.RestartCount); // not retried

        LedgerPipeline.Input = new GatedSource(Records, Records);
        await using JobHandle same = CounterV1.Start(Options(dirs.Checkpoints));
        Assert.NotNull(same.RestoredCheckpointId);
        await same.Completion.WaitAsync(TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task State_the_job_no_longer_declares_is_refused_unless_AllowNonRestoredState()
    {
        using var dirs = new LedgerDirectories();
        await StopVersion1Async(dirs.Checkpoints, unaligned: false);

        LedgerPipeline.Input = new GatedSource(Records, Records);
        var refused = Assert.Throws<JobConfigurationException>(() => CounterV3.Start(Options(dirs.Checkpoints)));
        Assert.Contains("no longer declares: Count.count", refused.Message);
        Assert.Contains("AllowNonRestoredState", refused.Message);

        PipelineOptions allowed = Options(dirs.Checkpoints);
        allowed.Checkpointing.AllowNonRestoredState = true;
        LedgerPipeline.Input = new GatedSource(Records, Records);
        await using JobHandle upgraded = CounterV3.Start(allowed);
        Assert.NotNull(upgraded.RestoredCheckpointId); // the source's position is restored, the old state dropped
        await upgraded.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2 * (Records - (Records / 2)), upgraded.GetProgress().SourceRecords); // each of the 2 source subtasks resumes half-way
    }

    [Fact]
    public async Task In_flight_records_of_a_task_that_no_longer_exists_are_refused_even_with_AllowNonRestoredState()
    {
        using var dirs = new LedgerDirectories();
        await StopVersion1Async(dirs.Checkpoints, unaligned: true);

        PipelineOptions allowed = Options(dirs.Checkpoints, unaligned: true);
        allowed.Checkpointing.AllowNonRestoredState = true;
        LedgerPipeline.Input = new GatedSource(Records, Records);
        var refused = Assert.Throws<JobConfigurationException>(() => CounterV3.Start(allowed));
        Assert.Contains("in-flight records", refused.Message);
        Assert.True(refused.Message.Contains("'Count'") || refused.Message.Contains("'Count+Out'"), refused.Message);
        Assert.Contains("take an aligned checkpoint", refused.Message);
    }
}
