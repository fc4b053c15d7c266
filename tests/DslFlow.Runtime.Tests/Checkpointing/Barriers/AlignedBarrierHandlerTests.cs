using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Barriers;

/// <summary>
/// The barrier state machine under aligned and at-least-once checkpoints, event by event and synchronously: what it
/// blocks, when it snapshots, what a newer barrier, a cancel marker, an abort or an end of input does.
/// </summary>
public class AlignedBarrierHandlerTests
{
    private readonly RecordingBarrierActions _actions = new();

    private CheckpointBarrierHandler Create(int channels, CheckpointAlignment? alignment = null) =>
        new(channels, alignment ?? CheckpointAlignment.Aligned, null, _actions);

    private static CheckpointBarrier B(long id) => new(id, 0);

    [Fact]
    public void Exactly_once_blocks_each_channel_that_delivered_the_barrier_until_all_did()
    {
        CheckpointBarrierHandler handler = Create(3);
        handler.OnBarrier(B(1), 0, 5);
        handler.OnBarrier(B(1), 2, 9);
        Assert.IsType<CollectingBarriers>(handler.State);
        Assert.Equal(["block 0", "block 2"], _actions.Take());
        handler.OnBarrier(B(1), 1, 3);
        Assert.Equal(["block 1", "unblock 0", "unblock 1", "unblock 2", "snapshot 1 aligned"], _actions.Take());
        Assert.IsType<WaitingForFirstBarrier>(handler.State);
    }

    [Fact]
    public void At_least_once_never_blocks_and_snapshots_on_the_last_barrier()
    {
        CheckpointBarrierHandler handler = Create(2, CheckpointAlignment.AtLeastOnce);
        handler.OnBarrier(B(4), 1, 0);
        Assert.Empty(_actions.Log);
        handler.OnBarrier(B(4), 0, 0);
        Assert.Equal(["snapshot 4 aligned"], _actions.Take());
    }

    [Fact]
    public void At_least_once_completes_a_checkpoint_whose_barriers_a_fast_channel_overtook_with_the_next_one()
    {
        CheckpointBarrierHandler handler = Create(2, CheckpointAlignment.AtLeastOnce);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnBarrier(B(2), 0, 1); // channel 0 is not blocked: it runs ahead
        handler.OnBarrier(B(1), 1, 0);
        handler.OnBarrier(B(2), 1, 1);
        Assert.Equal(["snapshot 1 aligned", "snapshot 2 aligned"], _actions.Take());
    }

    [Fact]
    public void At_least_once_a_completed_checkpoint_subsumes_the_older_ones_still_counted()
    {
        CheckpointBarrierHandler handler = Create(2, CheckpointAlignment.AtLeastOnce);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnBarrier(B(2), 0, 1);
        handler.OnBarrier(B(2), 1, 0); // checkpoint 1 could only be snapshotted after 2 now
        handler.OnBarrier(B(1), 1, 1);
        Assert.Equal(["snapshot 2 aligned"], _actions.Take());
        Assert.Empty(Assert.IsType<TrackingBarriers>(handler.State).Counting);
    }

    [Fact]
    public void At_least_once_a_cancel_ends_its_checkpoint_and_declines_the_older_ones_still_counted()
    {
        CheckpointBarrierHandler handler = Create(3, CheckpointAlignment.AtLeastOnce);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnBarrier(B(2), 0, 1);
        handler.OnBarrier(B(3), 0, 2);
        handler.OnCancelMarker(2);
        Assert.Equal(["cancel marker 1", "decline 1: checkpoint 2 was cancelled upstream during the alignment of 1", "cancel marker 2"],
            _actions.Take());
        handler.OnBarrier(B(2), 1, 0); // cancelled: counts for nothing
        handler.OnBarrier(B(3), 1, 1);
        handler.OnEndOfInput(2); // the last live channel of checkpoint 3 ended
        Assert.Equal(["snapshot 3 aligned"], _actions.Take());

        handler.OnAbort(5); // not seen yet: its barriers start nothing
        handler.OnBarrier(B(5), 0, 3);
        handler.OnBarrier(B(5), 1, 3);
        Assert.Equal(["cancel marker 5"], _actions.Take());
    }

    [Fact]
    public void A_newer_barrier_during_alignment_abandons_the_pending_checkpoint()
    {
        CheckpointBarrierHandler handler = Create(2);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnBarrier(B(2), 1, 0);
        Assert.Equal(["block 0", "unblock 0", "cancel marker 1", "decline 1: barrier 2 arrived before the alignment of 1 completed", "block 1"],
            _actions.Take());
        Assert.Equal(2, handler.CurrentCheckpointId);
        handler.OnBarrier(B(1), 1, 0); // stale: dropped
        Assert.Empty(_actions.Log);
        handler.OnBarrier(B(2), 0, 0);
        Assert.Equal(["block 0", "unblock 0", "unblock 1", "snapshot 2 aligned"], _actions.Take());
        handler.OnBarrier(B(2), 1, 0); // duplicate after completion: dropped
        Assert.Empty(_actions.Log);
    }

    [Fact]
    public void The_cancel_of_a_newer_checkpoint_during_alignment_declines_the_abandoned_one()
    {
        CheckpointBarrierHandler handler = Create(2);
        handler.OnBarrier(B(3), 0, 0);
        handler.OnCancelMarker(4);
        Assert.Equal(["block 0", "unblock 0", "cancel marker 3", "decline 3: checkpoint 4 was cancelled upstream during the alignment of 3",
            "cancel marker 4"], _actions.Take());
        handler.OnBarrier(B(3), 1, 0); // stale now
        handler.OnBarrier(B(4), 1, 0); // cancelled before it got here
        Assert.Empty(_actions.Log);

        handler.OnCancelMarker(5); // nothing was aligning: forwarded, nothing declined
        Assert.Equal(["cancel marker 5"], _actions.Take());
    }

    [Fact]
    public void A_cancel_marker_stops_alignment_once_and_an_ended_channel_no_longer_holds_it_back()
    {
        CheckpointBarrierHandler handler = Create(2);
        handler.OnBarrier(B(3), 0, 0);
        handler.OnCancelMarker(3);
        handler.OnCancelMarker(3);
        Assert.Equal(["block 0", "unblock 0", "cancel marker 3"], _actions.Take());
        Assert.IsType<WaitingForFirstBarrier>(handler.State);

        handler.OnBarrier(B(4), 0, 0);
        handler.OnEndOfInput(1);
        Assert.Equal(["block 0", "unblock 0", "snapshot 4 aligned"], _actions.Take());
        handler.OnBarrier(B(5), 0, 0); // channel 1 ended: one barrier suffices
        Assert.Equal(["block 0", "unblock 0", "snapshot 5 aligned"], _actions.Take());
    }

    [Fact]
    public void A_barrier_a_channel_delivers_after_its_end_of_input_neither_blocks_nor_starts_an_alignment()
    {
        CheckpointBarrierHandler handler = Create(2);
        handler.OnEndOfInput(0);
        handler.OnBarrier(B(1), 0, 0); // a finished upstream's, behind its end of input
        Assert.IsType<WaitingForFirstBarrier>(handler.State);
        Assert.Empty(_actions.Log);

        handler.OnBarrier(B(1), 1, 0); // the live channel alone completes it
        Assert.Equal(["block 1", "unblock 1", "snapshot 1 aligned"], _actions.Take());
    }

    [Fact]
    public void The_coordinators_abort_ends_the_alignment_in_progress_and_one_not_seen_yet_makes_its_barriers_start_nothing()
    {
        CheckpointBarrierHandler handler = Create(2);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnAbort(1);
        Assert.Equal(["block 0", "unblock 0", "cancel marker 1"], _actions.Take());

        handler.OnAbort(2); // aborted before its first barrier arrived here
        handler.OnBarrier(B(2), 0, 0);
        handler.OnBarrier(B(2), 1, 0);
        Assert.Equal(["cancel marker 2"], _actions.Take());

        handler.OnBarrier(B(3), 0, 0);
        handler.OnAbort(4); // a newer abort supersedes the alignment in progress
        Assert.Equal(["block 0", "unblock 0", "cancel marker 3", "decline 3: checkpoint 4 was aborted during the alignment of 3", "cancel marker 4"],
            _actions.Take());
    }

    [Fact]
    public void Every_channel_ending_during_an_alignment_completes_it()
    {
        CheckpointBarrierHandler handler = Create(3);
        handler.OnBarrier(B(1), 0, 0);
        handler.OnEndOfInput(1);
        Assert.Equal(["block 0"], _actions.Take());
        handler.OnEndOfInput(2);
        Assert.Equal(["unblock 0", "snapshot 1 aligned"], _actions.Take());
    }
}
