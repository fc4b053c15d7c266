using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>A finished job's checkpoints are discarded safely (issue 11, defect 4).</summary>
public class FinishedJobTests
{
    private const long Records = 2_000;

    [Fact]
    public async Task A_crash_while_a_finished_job_discards_its_checkpoints_never_brings_an_older_one_back()
    {
        using var dirs = new LedgerDirectories();
        string folder = Ledger.JobFolder(dirs.Checkpoints);
        PipelineOptions options = Ledger.Options(dirs.Checkpoints, retained: 3, retainAfterFinish: false);
        int discards = 0;
        options.Checkpointing.Storage = new LocalCheckpointStorage(folder, 3)
        {
            FaultInjector = (step, _) =>
            {
                if (step == "discarded.rename" && ++discards == 2)
                {
                    throw new SimulatedCrashException(step); // the process dies half-way through the discard
                }
            },
        };
        JobHandle first = Ledger.Start(options, dirs.Output, Records, Records / 2);
        await LedgerPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        await first.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        await first.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        LedgerPipeline.Input.Resume();
        await Assert.ThrowsAsync<SimulatedCrashException>(() => first.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        string oldRun = File.ReadAllText(Path.Combine(folder, "_job"));
        Assert.True(File.Exists(Path.Combine(folder, "_finished")), "the run was marked finished before anything was deleted");
        Assert.Equal([2, 3], new LocalCheckpointStorage(folder).ListCompletedCheckpoints()); // oldest first: the newest survives

        string second = Path.Combine(dirs.Root, "out2");
        await using JobHandle again = Ledger.Start(Ledger.Options(dirs.Checkpoints, retained: 3, retainAfterFinish: false), second, Records, Records);
        Assert.Null(again.RestoredCheckpointId); // a new run: nothing of the finished one is restored
        Assert.DoesNotContain(Directory.GetDirectories(folder, "chk-*"), d => int.Parse(Path.GetFileName(d)[4..]) <= 3);
        Assert.NotEqual(oldRun, File.ReadAllText(Path.Combine(folder, "_job")));
        Assert.False(File.Exists(Path.Combine(folder, "_finished")));
        await again.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(second));
    }
}
