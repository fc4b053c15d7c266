using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class BarrierHandlerTests
{
    private readonly List<string> _log = [];

    private BarrierHandler Create(int channels, CheckpointingMode mode = CheckpointingMode.ExactlyOnce) =>
        new(channels, mode, c => _log.Add($"block {c}"), c => _log.Add($"unblock {c}"));

    private static CheckpointBarrier B(long id) => new(id, 0);

    [Fact]
    public void Exactly_once_blocks_each_channel_that_delivered_the_barrier_until_all_did()
    {
        BarrierHandler handler = Create(3);
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(1), 0, out _));
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(1), 2, out _));
        Assert.True(handler.IsPending);
        Assert.Equal(["block 0", "block 2"], _log);
        Assert.Equal(BarrierOutcome.Snapshot, handler.OnBarrier(B(1), 1, out _));
        Assert.Equal(["block 0", "block 2", "block 1", "unblock 0", "unblock 1", "unblock 2"], _log);
        Assert.False(handler.IsPending);
    }

    [Fact]
    public void At_least_once_never_blocks_and_snapshots_on_the_last_barrier()
    {
        BarrierHandler handler = Create(2, CheckpointingMode.AtLeastOnce);
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(4), 1, out _));
        Assert.Equal(BarrierOutcome.Snapshot, handler.OnBarrier(B(4), 0, out _));
        Assert.Empty(_log);
    }

    [Fact]
    public void A_newer_barrier_during_alignment_abandons_the_pending_checkpoint()
    {
        BarrierHandler handler = Create(2);
        handler.OnBarrier(B(1), 0, out _);
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(2), 1, out long abandoned));
        Assert.Equal(1, abandoned);
        Assert.Equal(2, handler.CurrentCheckpointId);
        Assert.Equal(["block 0", "unblock 0", "block 1"], _log);
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(1), 1, out _)); // stale: dropped
        Assert.Equal(BarrierOutcome.Snapshot, handler.OnBarrier(B(2), 0, out _));
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(2), 1, out _)); // duplicate after completion: dropped
    }

    [Fact]
    public void The_cancel_of_a_newer_checkpoint_during_alignment_reports_the_abandoned_one()
    {
        BarrierHandler handler = Create(2);
        handler.OnBarrier(B(3), 0, out _);
        Assert.Equal(BarrierOutcome.Cancel, handler.OnCancel(4, out long abandoned));
        Assert.Equal(3, abandoned);
        Assert.Equal(["block 0", "unblock 0"], _log);
        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(3), 1, out _)); // stale now

        Assert.Equal(BarrierOutcome.Cancel, handler.OnCancel(5, out abandoned)); // nothing was aligning
        Assert.Equal(-1, abandoned);
    }

    [Fact]
    public void A_cancel_marker_stops_alignment_once_and_an_ended_channel_no_longer_holds_it_back()
    {
        BarrierHandler handler = Create(2);
        handler.OnBarrier(B(3), 0, out _);
        Assert.Equal(BarrierOutcome.Cancel, handler.OnCancel(3));
        Assert.Equal(BarrierOutcome.None, handler.OnCancel(3));
        Assert.False(handler.IsPending);

        handler.OnBarrier(B(4), 0, out _);
        Assert.Equal(BarrierOutcome.Snapshot, handler.OnEndOfInput(1));
        Assert.Equal(BarrierOutcome.Snapshot, handler.OnBarrier(B(5), 0, out _)); // channel 1 ended: one barrier suffices
    }

    [Fact]
    public void A_barrier_a_channel_delivers_after_its_end_of_input_neither_blocks_nor_starts_an_alignment()
    {
        BarrierHandler handler = Create(2);
        Assert.Equal(BarrierOutcome.None, handler.OnEndOfInput(0));

        Assert.Equal(BarrierOutcome.None, handler.OnBarrier(B(1), 0, out _)); // a finished upstream's, behind its end of input
        Assert.False(handler.IsPending);
        Assert.Empty(_log);

        Assert.Equal(BarrierOutcome.Snapshot, handler.OnBarrier(B(1), 1, out _)); // the live channel alone completes it
        Assert.Equal(["block 1", "unblock 1"], _log);
    }
}
