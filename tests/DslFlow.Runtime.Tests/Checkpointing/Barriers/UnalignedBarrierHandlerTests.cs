using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Barriers;

/// <summary>
/// The barrier state machine under unaligned checkpoints, with forward channels that stay aligned: barriers, cancel
/// markers and aborts in awkward orders. Each checkpoint is snapshotted at most once, never after it was cancelled,
/// never left waiting for ever, and one that cannot complete is declined. Event by event, synchronously.
/// </summary>
public class UnalignedBarrierHandlerTests
{
    private const bool Keyed = false;
    private const bool Forward = true;

    private readonly RecordingBarrierActions _actions = new();

    private CheckpointBarrierHandler Create(params bool[] staysAligned) =>
        new(staysAligned.Length, CheckpointAlignment.Unaligned, staysAligned, _actions);

    private static CheckpointBarrier U(long id) => new(id, 0, CheckpointAlignment.Unaligned);

    [Fact]
    public void The_first_barrier_snapshots_at_once_and_each_channel_records_until_its_barrier_arrives()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed, Keyed);
        handler.OnBarrier(U(1), 1, 12);
        Assert.Equal(["snapshot 1 unaligned", "record 1 @12"], _actions.Take());
        Assert.IsType<CollectingBarriersUnaligned>(handler.State);

        handler.OnBarrier(U(1), 0, 30);
        handler.OnBarrier(U(1), 0, 31); // a channel delivers once
        Assert.Equal(["record 0 @30"], _actions.Take());
        handler.OnEndOfInput(2); // an ended channel owes no barrier: what it sent since the snapshot is its state
        Assert.Equal(["complete 2", "acknowledge 1 with channel state"], _actions.Take());
        Assert.IsType<WaitingForFirstBarrierUnaligned>(handler.State);
    }

    [Fact]
    public void A_stale_cancel_marker_does_not_abandon_the_newer_checkpoint_waiting_for_its_forward_channel()
    {
        CheckpointBarrierHandler handler = Create(Forward, Keyed);
        handler.OnBarrier(U(2), 1, 4); // checkpoint 2 waits for the forward channel's barrier
        Assert.Equal(["block 1"], _actions.Take());
        Assert.IsType<WaitingForAlignedChannels>(handler.State);

        handler.OnCancelMarker(1); // the forward channel's upstream abandoned checkpoint 1 long ago
        Assert.Empty(_actions.Log);
        handler.OnBarrier(U(2), 0, 9); // in order on the forward channel: its records before it were processed

        Assert.Equal(["block 0", "snapshot 2 unaligned", "complete 0", "record 1 @4", "unblock 0", "unblock 1", "acknowledge 2 with channel state"],
            _actions.Take());
    }

    [Fact]
    public void A_late_barrier_of_a_checkpoint_cancelled_while_waiting_for_aligned_channels_starts_nothing()
    {
        CheckpointBarrierHandler handler = Create(Forward, Forward, Keyed);
        handler.OnBarrier(U(1), 2, 3); // checkpoint 1 waits for both forward channels
        handler.OnCancelMarker(1); // one forward upstream abandoned it: checkpoint 1 ends here
        Assert.Equal(["block 2", "unblock 2", "cancel marker 1"], _actions.Take());

        handler.OnBarrier(U(1), 0, 5); // the other forward channel's late barrier
        Assert.Empty(_actions.Log); // blocks nothing

        handler.OnBarrier(U(2), 2, 8);
        handler.OnBarrier(U(2), 0, 9);
        handler.OnBarrier(U(2), 1, 4);
        Assert.Equal(["block 2", "block 0", "block 1", "snapshot 2 unaligned", "complete 0", "complete 1", "record 2 @8",
            "unblock 0", "unblock 1", "unblock 2", "acknowledge 2 with channel state"], _actions.Take());
        Assert.DoesNotContain(_actions.Log, l => l.StartsWith("decline", StringComparison.Ordinal));
    }

    [Fact]
    public void An_aborted_checkpoint_not_seen_yet_is_never_snapshotted_and_its_barriers_do_not_block_the_next()
    {
        CheckpointBarrierHandler handler = Create(Forward, Keyed);
        handler.OnAbort(1);
        handler.OnBarrier(U(1), 1, 2);
        handler.OnBarrier(U(1), 0, 3);
        Assert.Equal(["cancel marker 1"], _actions.Take());

        handler.OnBarrier(U(2), 1, 5);
        handler.OnBarrier(U(2), 0, 6);
        Assert.Equal(["block 1", "block 0", "snapshot 2 unaligned", "complete 0", "record 1 @5", "unblock 0", "unblock 1",
            "acknowledge 2 with channel state"], _actions.Take());
    }

    [Fact]
    public void A_barrier_of_a_newer_checkpoint_before_every_barrier_of_the_recording_one_declines_it()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(U(1), 0, 1);
        handler.OnBarrier(U(2), 0, 7); // channel 1 never delivered barrier 1
        Assert.Equal(["snapshot 1 unaligned", "record 0 @1", "drop 1", "cancel marker 1", "decline 1: barrier 2 arrived before every barrier of 1",
            "snapshot 2 unaligned", "record 0 @7"], _actions.Take());
        handler.OnBarrier(U(1), 1, 2); // stale now
        handler.OnBarrier(U(2), 1, 3);
        Assert.Equal(["record 1 @3", "acknowledge 2 with channel state"], _actions.Take());
    }

    [Fact]
    public void The_cancel_or_abort_of_the_recording_checkpoint_drops_its_channel_state()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(U(1), 0, 1);
        handler.OnCancelMarker(1);
        Assert.Equal(["snapshot 1 unaligned", "record 0 @1", "drop 1", "cancel marker 1"], _actions.Take());

        handler.OnBarrier(U(2), 1, 4);
        handler.OnAbort(3); // a newer checkpoint was aborted by the coordinator: 2 cannot complete here any more
        Assert.Equal(["snapshot 2 unaligned", "record 1 @4", "drop 2", "cancel marker 2", "decline 2: checkpoint 3 was aborted during the alignment of 2",
            "cancel marker 3"], _actions.Take());
    }

    [Fact]
    public void A_priority_barrier_arriving_on_a_channel_that_already_ended_starts_nothing()
    {
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnEndOfInput(0);
        handler.OnBarrier(U(1), 0, 5); // a finished upstream still in the barrier protocol, after its end was taken here
        Assert.Empty(_actions.Log);
        Assert.IsType<WaitingForFirstBarrierUnaligned>(handler.State);

        handler.OnBarrier(U(1), 1, 2); // the live channel's barrier: channel 0 owes none
        Assert.Equal(["snapshot 1 unaligned", "record 1 @2", "acknowledge 1 with channel state"], _actions.Take());
    }

    [Fact]
    public void Priority_barriers_of_every_channel_acknowledge_before_anything_they_overtook_is_processed()
    {
        // A finished upstream queued its records and its end of input on channel 0, then sent checkpoint 1's barrier:
        // priority events go first, so the task hands the handler both barriers before any buffer.
        CheckpointBarrierHandler handler = Create(Keyed, Keyed);
        handler.OnBarrier(U(1), 0, 3);
        handler.OnBarrier(U(1), 1, 0);
        Assert.Equal(["snapshot 1 unaligned", "record 0 @3", "record 1 @0", "acknowledge 1 with channel state"], _actions.Take());
        handler.OnEndOfInput(0); // taken after the overtaken records: nothing left to do
        Assert.Empty(_actions.Log);
    }

    [Fact]
    public void A_snapshot_the_subtask_refuses_releases_the_channels_its_wait_blocked()
    {
        CheckpointBarrierHandler handler = Create(Forward, Keyed);
        _actions.RefusedSnapshots.Add(1); // aborted at the subtask, or taken already
        handler.OnBarrier(U(1), 1, 2);
        handler.OnBarrier(U(1), 0, 3);
        Assert.Equal(["block 1", "block 0", "snapshot 1 refused", "unblock 0", "unblock 1"], _actions.Take());
        Assert.IsType<WaitingForFirstBarrierUnaligned>(handler.State);
    }

    [Fact]
    public void An_aligned_channel_ending_while_the_snapshot_waits_for_it_lets_the_snapshot_happen()
    {
        CheckpointBarrierHandler handler = Create(Forward, Keyed);
        handler.OnBarrier(U(1), 1, 6);
        handler.OnEndOfInput(0);
        Assert.Equal(["block 1", "snapshot 1 unaligned", "record 1 @6", "unblock 1", "acknowledge 1 with channel state"], _actions.Take());
    }
}
