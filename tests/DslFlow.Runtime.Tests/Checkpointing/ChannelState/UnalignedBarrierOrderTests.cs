using System.Collections.Concurrent;
using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>
/// Barriers, cancel markers and aborts arriving in awkward orders at one task under unaligned checkpoints, with
/// forward channels that stay aligned: each checkpoint is snapshotted at most once, never after it was cancelled,
/// never left waiting forever, and one that cannot complete is declined. Driven event by event, no timing.
/// </summary>
public class UnalignedBarrierOrderTests
{
    private const EdgePartitioning Keyed = EdgePartitioning.Hash;
    private const EdgePartitioning Forward = EdgePartitioning.Auto;

    [Fact]
    public void A_switch_to_unaligned_after_a_forward_channel_delivered_waits_for_the_other_forward_channel_then_snapshots()
    {
        using var probe = new UnalignedProbe([Keyed, Forward, Forward], alignedTimeout: TimeSpan.Zero);
        probe.Start();

        probe.Barrier(1, 1); // in order, first: the timeout of 0 switches the checkpoint to unaligned at once
        Eventually.True(() => probe.Task.Gate.IsBlocked(1), "the forward channel that delivered waits for the other");
        probe.Records(1, 100, 101); // after the barrier: not processed before the snapshot
        probe.Records(2, 200);
        probe.Barrier(2, 1);
        probe.Records(0, 0, 1);
        probe.Barrier(0, 1);

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 1), "checkpoint 1 is acknowledged");
        (long id, long[] processed) = Assert.Single(probe.Snapshots);
        Assert.Equal(1, id);
        Assert.Contains(200L, processed); // the forward channel's records before its barrier are in the state
        Assert.DoesNotContain(100L, processed);
        Assert.DoesNotContain(101L, processed);
        Eventually.True(() => probe.Task.Records.Contains(101), "the blocked forward channel is released after the snapshot");
    }

    [Fact]
    public void A_stale_cancel_marker_does_not_abandon_the_newer_checkpoint_waiting_for_its_forward_channel()
    {
        using var probe = new UnalignedProbe([Forward, Keyed], alignedTimeout: null);
        probe.Start();

        probe.PriorityBarrier(1, 2); // checkpoint 2 waits for the forward channel's barrier
        Eventually.True(() => probe.Task.Gate.IsBlocked(1), "the keyed channel that delivered is blocked");
        probe.Cancel(0, 1); // the forward channel's upstream abandoned checkpoint 1 long ago
        probe.Records(0, 7);
        probe.Barrier(0, 2);

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 is acknowledged");
        Assert.Equal([2L], probe.Snapshots.Select(s => s.Id));
        Assert.Empty(probe.Declined);
    }

    [Fact]
    public void A_late_barrier_of_a_checkpoint_cancelled_while_waiting_for_aligned_channels_starts_nothing()
    {
        using var probe = new UnalignedProbe([Forward, Forward, Keyed], alignedTimeout: null);
        probe.Start();

        probe.PriorityBarrier(2, 1); // checkpoint 1 waits for both forward channels
        Eventually.True(() => probe.Task.Gate.IsBlocked(2), "the keyed channel that delivered is blocked");
        probe.Cancel(1, 1); // one forward upstream abandoned it: checkpoint 1 ends here
        Eventually.True(() => !probe.Task.Gate.IsBlocked(2), "the keyed channel is released");
        probe.Barrier(0, 1); // the other forward channel's late barrier
        probe.Records(0, 9);

        Eventually.True(() => probe.Task.Records.Contains(9), "the forward channel is not blocked by the cancelled checkpoint");
        probe.PriorityBarrier(2, 2);
        probe.Barrier(0, 2);
        probe.Barrier(1, 2);
        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 is acknowledged");
        Assert.Equal([2L], probe.Snapshots.Select(s => s.Id));
        Assert.Empty(probe.Declined);
    }

    [Fact]
    public void An_aborted_checkpoint_not_seen_yet_is_never_snapshotted_and_its_barriers_do_not_block_the_next()
    {
        using var probe = new UnalignedProbe([Forward, Keyed], alignedTimeout: null);
        probe.Start();

        probe.Task.NotifyCheckpointAborted(1);
        probe.PriorityBarrier(1, 1);
        probe.Barrier(0, 1);
        probe.PriorityBarrier(1, 2);
        probe.Barrier(0, 2);

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 is acknowledged");
        Assert.Equal([2L], probe.Snapshots.Select(s => s.Id));
    }

    [Fact]
    public void Switching_a_newer_checkpoint_to_unaligned_declines_the_older_one_still_recording()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: TimeSpan.Zero);
        probe.Start();

        probe.Barrier(0, 1); // switched at once; channel 1 still owes barrier 1
        Eventually.True(() => probe.Snapshots.Any(s => s.Id == 1), "checkpoint 1 is snapshotted");
        probe.Barrier(0, 2); // checkpoint 2 starts before checkpoint 1 could complete

        Eventually.True(() => probe.Declined.Any(d => d.Id == 1), "checkpoint 1 is declined");
        Assert.Contains("barrier 2", probe.Declined.Single(d => d.Id == 1).Reason, StringComparison.Ordinal);
        probe.Barrier(1, 1); // stale now
        probe.Barrier(1, 2);
        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 is acknowledged");
        Assert.DoesNotContain(probe.Acknowledged, a => a.Id == 1);
    }

    [Fact]
    public void A_priority_barrier_of_a_newer_checkpoint_ends_the_older_alignment_and_declines_it()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: TimeSpan.FromHours(1));
        probe.Start();

        probe.Barrier(0, 1); // aligned checkpoint 1: channel 0 is blocked
        Eventually.True(() => probe.Task.Gate.IsBlocked(0), "checkpoint 1 aligns");
        probe.Records(0, 3);
        probe.PriorityBarrier(1, 2); // an upstream switched checkpoint 2 to unaligned

        Eventually.True(() => probe.Declined.Any(d => d.Id == 1), "checkpoint 1 is declined");
        Eventually.True(() => probe.Task.Records.Contains(3), "channel 0 is unblocked");
        probe.PriorityBarrier(0, 2);
        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 is acknowledged");
        Assert.Equal([2L], probe.Snapshots.Select(s => s.Id));
    }

    [Fact]
    public void Unaligned_because_an_upstream_switched_first_the_task_promotes_its_other_queued_barriers()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: TimeSpan.FromHours(1));
        long processedAtAcknowledgement = -1;
        probe.OnAcknowledged = () => Interlocked.CompareExchange(ref processedAtAcknowledgement, Interlocked.Read(ref probe.Task.Processed), -1);
        probe.Task.OnRecord = _ => Thread.Sleep(5);
        probe.Start();

        for (int b = 0; b < 250; b++)
        {
            probe.Records(1, 4 * b, (4 * b) + 1, (4 * b) + 2, (4 * b) + 3); // channel 1 backs up: 1000 records, 5 s to process
        }
        probe.Barrier(1, 1); // its upstream took checkpoint 1 aligned: the barrier waits behind the backlog
        Eventually.True(() => probe.Task.Processed > 0, "the task is busy with channel 1");
        probe.PriorityBarrier(0, 1); // channel 0's upstream switched checkpoint 1 to unaligned

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 1), "checkpoint 1 is acknowledged");
        Assert.InRange(Interlocked.Read(ref processedAtAcknowledgement), 0, 500); // it did not wait for the backlog to drain
        Assert.True(probe.Acknowledged.Single(a => a.Id == 1).Stats.PersistedInFlightBytes > 0, "the overtaken backlog is channel state");
    }

    [Fact]
    public void A_newer_aligned_barrier_declines_the_unaligned_checkpoint_waiting_for_a_forward_channel()
    {
        using var probe = new UnalignedProbe([Forward, Keyed], alignedTimeout: TimeSpan.FromHours(1));
        probe.Start();

        probe.PriorityBarrier(1, 1); // checkpoint 1 went unaligned upstream: it waits here for the forward channel
        Eventually.True(() => probe.Task.Gate.IsBlocked(1), "the keyed channel that delivered is blocked");
        probe.Barrier(0, 2); // the forward upstream never took checkpoint 1: its next barrier is 2
        probe.Barrier(1, 2);

        Eventually.True(() => probe.Declined.Any(d => d.Id == 1), "checkpoint 1 is declined");
        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 2), "checkpoint 2 completes aligned");
        Assert.False(probe.Acknowledged.Single(a => a.Id == 2).Stats.Unaligned);
        Assert.Equal([2L], probe.Snapshots.Select(s => s.Id));
    }

    [Fact]
    public void A_priority_barrier_that_overtook_a_queued_end_of_input_is_acknowledged_before_any_overtaken_record_is_processed()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: null);
        long processedAtAcknowledgement = -1;
        probe.OnAcknowledged = () => Interlocked.CompareExchange(ref processedAtAcknowledgement, Interlocked.Read(ref probe.Task.Processed), -1);
        // A finished upstream queued its records and its end of input on channel 0, then sent checkpoint 1's barrier.
        probe.Records(0, 1, 2, 3, 4);
        probe.Records(0, 5, 6);
        probe.EndOfInput(0);
        probe.PriorityBarrier(0, 1);
        probe.PriorityBarrier(1, 1);
        probe.Start(); // priority events go first: the task sees both barriers before any buffer

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 1), "checkpoint 1 is acknowledged");
        Assert.Equal(0, Interlocked.Read(ref processedAtAcknowledgement));
        Assert.True(probe.Acknowledged.Single(a => a.Id == 1).Stats.PersistedInFlightBytes > 0, "the overtaken records are channel state");
        Eventually.True(() => probe.Task.Records.Count == 6, "the overtaken records are processed after the snapshot");
        Eventually.True(() => probe.Task.Gate.Channels[0].EndTaken, "the end of input is taken after them");
        Assert.Equal([1L], probe.Snapshots.Select(s => s.Id));
    }

    [Fact]
    public void A_priority_barrier_arriving_on_a_channel_that_already_ended_starts_nothing()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: null);
        probe.Start();
        probe.Records(0, 1);
        probe.EndOfInput(0);
        Eventually.True(() => probe.Task.Gate.Channels[0].EndTaken, "channel 0 ended");

        probe.PriorityBarrier(0, 1); // a finished upstream still in the barrier protocol, after its end was taken here
        Eventually.True(() => !probe.Task.Gate.HasPriorityEvents, "the barrier is taken");
        probe.Records(1, 2);
        Eventually.True(() => probe.Task.Records.Contains(2), "channel 1 flows");
        Assert.Empty(probe.Snapshots); // the ended channel's barrier started no checkpoint
        Assert.False(probe.Task.Gate.IsBlocked(0));

        probe.PriorityBarrier(1, 1); // the live channel's barrier: channel 0 owes none
        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 1), "checkpoint 1 is acknowledged");
        Assert.Equal([1L], probe.Snapshots.Select(s => s.Id));
        (long _, long[] processed) = probe.Snapshots.Single();
        Assert.Equal([1L, 2L], processed.Order());
        Assert.Empty(probe.Declined);
    }

    [Fact]
    public void Under_the_aligned_timeout_a_barrier_queued_behind_an_end_of_input_is_promoted_and_overtakes_the_records_before_it()
    {
        using var probe = new UnalignedProbe([Keyed, Keyed], alignedTimeout: TimeSpan.Zero);
        long processedAtAcknowledgement = -1;
        probe.OnAcknowledged = () => Interlocked.CompareExchange(ref processedAtAcknowledgement, Interlocked.Read(ref probe.Task.Processed), -1);
        probe.Start();
        probe.Task.Gate.Block(0); // the test holds channel 0: its records stay queued
        // A finished upstream under the aligned timeout: records, end of input, then the barrier in order behind them.
        probe.Records(0, 1, 2, 3, 4);
        probe.EndOfInput(0);
        probe.Barrier(0, 1);
        probe.Barrier(1, 1);

        Eventually.True(() => probe.Acknowledged.Any(a => a.Id == 1), "checkpoint 1 is acknowledged");
        Assert.Equal(0, Interlocked.Read(ref processedAtAcknowledgement)); // the timeout of 0 promoted the barrier at once
        Assert.True(probe.Acknowledged.Single(a => a.Id == 1).Stats.PersistedInFlightBytes > 0, "the overtaken records are channel state");
        probe.Task.Gate.Unblock(0);
        Eventually.True(() => probe.Task.Records.Count == 4, "channel 0's records are processed after the snapshot");
        Eventually.True(() => probe.Task.Gate.Channels[0].EndTaken, "the end of input is taken after them");
    }

    /// <summary>One <see cref="ProbeTask"/> under unaligned checkpoints with a given channel layout and no outputs.</summary>
    private sealed class UnalignedProbe : IDisposable
    {
        private readonly StandaloneProbe _probe;

        public UnalignedProbe(EdgePartitioning[] layout, TimeSpan? alignedTimeout)
        {
            var options = new PipelineOptions { BufferSize = 4, ExclusiveCreditsPerChannel = 4, FloatingCreditsPerGate = 4 };
            _probe = new StandaloneProbe(layout.Length, options, context =>
            {
                context.Unaligned = true;
                context.AlignedTimeout = alignedTimeout;
                context.InputChannels = layout.Select((partitioning, i) => new InputChannelInfo("Up" + i, 0, partitioning)).ToArray();
                context.AcknowledgeCheckpoint = (id, _, stats) =>
                {
                    OnAcknowledged?.Invoke();
                    Acknowledged.Enqueue((id, stats));
                };
                context.DeclineCheckpoint = (id, reason, _, _) => Declined.Enqueue((id, reason));
            });
            Task.OnSnapshot = id => Snapshots.Enqueue((id, Task.Records.ToArray()));
        }

        public ProbeTask Task => _probe.Task;

        /// <summary>Called on the task thread when a checkpoint is acknowledged.</summary>
        public Action? OnAcknowledged { get; set; }

        public ConcurrentQueue<(long Id, SubtaskCheckpointStats Stats)> Acknowledged { get; } = new();

        public ConcurrentQueue<(long Id, string Reason)> Declined { get; } = new();

        /// <summary>Per snapshot taken: the checkpoint and the records processed before it.</summary>
        public ConcurrentQueue<(long Id, long[] Processed)> Snapshots { get; } = new();

        public void Start() => _probe.Start();

        public void Records(int channel, params long[] records) => Task.Gate.Channels[channel].Send(records, records.Length);

        public void Barrier(int channel, long id) => Task.Gate.Channels[channel].SendEvent(new CheckpointBarrier(id, Now()));

        public void PriorityBarrier(int channel, long id) => Task.Gate.Channels[channel].SendPriorityEvent(new CheckpointBarrier(id, Now()));

        public void Cancel(int channel, long id) => Task.Gate.Channels[channel].SendEvent(new CancelCheckpointMarker(id));

        public void EndOfInput(int channel) => Task.Gate.Channels[channel].SendEvent(DslFlow.Channels.EndOfInput.Instance);

        private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        public void Dispose() => _probe.Dispose();
    }
}
