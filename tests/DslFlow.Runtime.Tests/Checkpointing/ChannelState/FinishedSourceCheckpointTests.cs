using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>
/// Under unaligned checkpoints a source subtask that ended stays in the barrier protocol: a checkpoint completes while
/// the records it queued downstream are still unconsumed (issue 11, defect 7). The downstream task is held at its input
/// gate — the test blocks the finished subtask's channels, so none of its records can be taken while the task stays free
/// to take barriers (a user function blocking on a semaphore would hold the task's thread, and with it every barrier).
/// No timing: the timeouts only guard against a hang.
/// </summary>
public class FinishedSourceCheckpointTests
{
    [Theory]
    [InlineData("unaligned", false)]
    [InlineData("unaligned", true)]
    [InlineData("aligned timeout", false)]
    [InlineData("aligned timeout", true)]
    public async Task Checkpoints_complete_before_any_record_a_finished_source_subtask_queued_is_consumed(string mode, bool failAfterCheckpoints)
    {
        FinishedSourcePipeline.QuickInput = new HeldSource(0, FinishedSourcePipeline.QuickRecords);
        FinishedSourcePipeline.QuickInput.Ended.SetResult(); // Quick ends as soon as it emitted its records
        FinishedSourcePipeline.LiveInput = new HeldSource(FinishedSourcePipeline.LiveTag, FinishedSourcePipeline.LiveTag + FinishedSourcePipeline.LiveRecords);
        FinishedSourcePipeline.LiveInput.Started.SetResult(); // Live emits its records and runs until the test ends it
        FinishedSourcePipeline.Output = new CollectSink<long>();
        FinishedSourcePipeline.Probe = new QuickRecordProbe();
        using var directory = new TempCheckpointDirectory();
        // Every record Quick sends fits in the credits of the channel it goes to, so Quick ends while all of them wait.
        var options = new PipelineOptions
        {
            BufferSize = 16,
            ExclusiveCreditsPerChannel = 8,
            FloatingCreditsPerGate = 8,
            RestartStrategy = failAfterCheckpoints ? RestartStrategy.FixedDelay(1, TimeSpan.Zero) : RestartStrategy.None,
        };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the checkpoints the test and the job's end trigger
        options.Checkpointing.Unaligned = true;
        // Aligned first: the barriers of the blocked channels are promoted when the timeout elapses.
        options.Checkpointing.AlignedTimeout = mode == "aligned timeout" ? TimeSpan.FromMilliseconds(10) : null;
        options.Checkpointing.Directory = directory.Path;

        await using JobHandle job = FinishedSourcePipeline.Start(options);
        List<(InputGate<long> Gate, int Channel)> held = ChannelsFrom(job, "Quick");
        Assert.Equal(2, held.Count); // one channel to each subtask of the keyed node
        held.ForEach(h => h.Gate.Block(h.Channel)); // before Quick emits anything
        FinishedSourcePipeline.QuickInput.Started.SetResult();
        StreamTask quick = job.Tasks.Single(t => t.Context.TaskName == "Quick");
        Eventually.True(() => quick.IsWaitingForFinalCheckpoint, "the Quick subtask ended its input");
        TaskMetrics figures = job.GetProgress().Tasks.Single(t => t.TaskName == "Quick");
        Assert.True(figures.Finished, "its input ended: Finished, though the final checkpoint is still to come");
        Assert.True(figures.WaitingForFinalCheckpoint);
        Assert.Equal(FinishedSourcePipeline.QuickRecords, held.Sum(h => h.Gate.ListQueuedBuffers(h.Channel).Sum(b => b.Records.Length)));

        // Two in a row: after the first, Quick is still in the barrier protocol (downstream has not processed its records).
        CheckpointRecord first = await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromSeconds(30)); // a hang guard only
        CheckpointRecord second = await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal((CheckpointStatus.Completed, CheckpointStatus.Completed), (first.Status, second.Status));
        Assert.Equal(0, FinishedSourcePipeline.Probe.Consumed); // the gate stayed closed throughout
        Assert.True(held.All(h => h.Gate.IsBlocked(h.Channel)));
        Assert.True(first.PersistedInFlightBytes > 0 && second.PersistedInFlightBytes > 0,
            "the records the finished subtask queued are the checkpoints' channel state");
        Assert.False(quick.IsFinished);

        if (failAfterCheckpoints)
        {
            FinishedSourcePipeline.Probe.FailNext(); // the restore replays Quick's records from the channel state
        }
        held.ForEach(h => h.Gate.Unblock(h.Channel));
        FinishedSourcePipeline.LiveInput.Ended.SetResult();
        await job.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(FinishedSourcePipeline.Expected().Order(), FinishedSourcePipeline.Output.Results.Order()); // each record once
        Assert.Equal(failAfterCheckpoints ? 1 : 0, job.RestartCount);
        if (failAfterCheckpoints)
        {
            Assert.Equal(second.Id, job.RestoredCheckpointId);
        }
    }

    /// <summary>Every input channel of the job's one-input tasks that comes from node <paramref name="from"/>.</summary>
    private static List<(InputGate<long> Gate, int Channel)> ChannelsFrom(JobHandle job, string from) =>
        job.Tasks.OfType<OneInputStreamTask<long>>()
            .SelectMany(t => t.Context.Input!.Channels.Select((info, c) => (t.Gate, Channel: c, info.From)))
            .Where(x => x.From == from)
            .Select(x => (x.Gate, x.Channel))
            .ToList();
}
