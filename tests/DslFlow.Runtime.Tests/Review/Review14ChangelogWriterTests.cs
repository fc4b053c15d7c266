using DslFlow.Runtime.Tests.State.Changelog;
using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.Review;

/// <summary>Review 14: the state change log writer's coverage bookkeeping with overlapping checkpoints.</summary>
public class Review14ChangelogWriterTests : ChangelogTestKit
{
    /// <summary>
    /// Checkpoints 1 and 2 both persist change set 0; checkpoint 2 is aborted while 1 is still pending (it may be
    /// completing at the coordinator). Reset(2) sets CoveredBy back to ConfirmedBy (0), forgetting checkpoint 1, so
    /// closing the writer releases (deletes) the log file checkpoint 1 lists.
    /// </summary>
    [Fact]
    public async Task Aborting_the_newer_of_two_overlapping_checkpoints_keeps_the_file_the_older_pending_one_lists()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        var first = await writer.PersistAsync(0, checkpointId: 1);
        var second = await writer.PersistAsync(0, checkpointId: 2);
        Assert.Equal(first, second);

        writer.Reset(0, writer.ActiveSequenceNumber, checkpointId: 2); // checkpoint 2 declined; 1 still pending
        writer.Dispose(); // the task stops (failover) before it hears about checkpoint 1

        Assert.Equal([PathOf(first[0].File.RelativePath)], LogFiles());
    }

    /// <summary>
    /// The consequence: checkpoint 1, acknowledged with the log segment, then fails to complete at the coordinator,
    /// because the task's close deleted its log file.
    /// </summary>
    [Fact]
    public async Task The_older_checkpoint_still_completes_after_the_newer_one_was_aborted_and_the_task_closed()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        var first = await writer.PersistAsync(0, checkpointId: 1);
        await writer.PersistAsync(0, checkpointId: 2);
        writer.Reset(0, writer.ActiveSequenceNumber, checkpointId: 2);
        writer.Dispose();

        await Storage.Inner.CompleteCheckpointAsync(new DslFlow.Checkpointing.CheckpointMetadata(1, DateTimeOffset.UnixEpoch,
            DateTimeOffset.UnixEpoch, new Dictionary<DslFlow.Checkpointing.OperatorSubtaskId, IReadOnlyList<DslFlow.Checkpointing.StateHandle>>
            {
                [new("Count", 0)] = [first[0].File],
            }));
        Assert.Equal([Logged(1, 1)], ReadBack(first));
    }
}
