using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>From an adversarial review: the writer's coverage bookkeeping with overlapping checkpoints.</summary>
public class WriterCoverageReviewTests : ChangelogTestKit
{
    /// <summary>
    /// Checkpoints 1 and 2 both persist change set 0; checkpoint 2 is aborted while 1 is still pending (it may be
    /// completing at the coordinator). Reset(2) sets CoveredBy back to ConfirmedBy (0), forgetting checkpoint 1, so
    /// closing the writer released (deleted) the log file checkpoint 1 lists. Coverage is now a set of checkpoints.
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
}
