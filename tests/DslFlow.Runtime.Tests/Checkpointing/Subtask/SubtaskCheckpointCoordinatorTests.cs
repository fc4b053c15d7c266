using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing.Subtask;

/// <summary>
/// One subtask's checkpoint work, driven call by call on the test thread: each checkpoint is snapshotted once, an
/// aborted one never, an unaligned one is acknowledged only with its channel state, and the final checkpoint of a
/// finished task follows FLIP-147. The task is a fake that logs what it is asked; the responder is real enough to
/// write state into a temporary directory.
/// </summary>
public sealed class SubtaskCheckpointCoordinatorTests : IDisposable
{
    private readonly FakeTask _task = new();
    private readonly RecordingResponder _responder = new();
    private readonly CancellationTokenSource _cancellation = new();

    private SubtaskCheckpointCoordinator Create(CheckpointAlignment? alignment = null, bool enabled = true) =>
        new(_task, new SubtaskIdentity("Map", 0, 1, 2, 128), enabled ? _responder.For(alignment ?? CheckpointAlignment.Aligned) : null,
            TimeProvider.System, _cancellation.Token);

    private static CheckpointBarrier B(long id, CheckpointAlignment? alignment = null) => new(id, 0, alignment);

    [Fact]
    public void A_checkpoint_that_reaches_the_subtask_twice_is_snapshotted_forwarded_and_acknowledged_once()
    {
        SubtaskCheckpointCoordinator coordinator = Create();
        coordinator.CheckpointAndForward(B(1), new AlignmentFigures(TimeSpan.FromMilliseconds(5), 42));
        coordinator.CheckpointAndForward(B(1), default);
        coordinator.CheckpointAndForward(B(0), default); // older: superseded

        Assert.Equal(["prepare 1", "snapshot", "forward 1 InOrder aligned"], _task.Log);
        (long id, SubtaskCheckpointStats stats) = Assert.Single(_responder.Acknowledged);
        Assert.Equal(1, id);
        Assert.Equal(42, stats.ProcessedInFlightRecords);
        Assert.Equal(TimeSpan.FromMilliseconds(5), stats.AlignmentDuration);
        Assert.False(stats.Unaligned);
    }

    [Fact]
    public void An_aborted_checkpoint_is_never_snapshotted_its_barrier_becomes_a_cancel_marker_and_a_repeated_abort_does_nothing()
    {
        SubtaskCheckpointCoordinator coordinator = Create();
        coordinator.NotifyAborted(1);
        coordinator.NotifyAborted(1);
        coordinator.CheckpointAndForward(B(1), default);
        Assert.False(coordinator.SnapshotUnaligned(B(1), default));

        Assert.Equal(["aborted 1", "cancel marker 1", "cancel marker 1"], _task.Log);
        Assert.Empty(_responder.Acknowledged);
    }

    [Fact]
    public void An_unaligned_snapshot_overtakes_downstream_at_once_and_is_acknowledged_only_with_its_channel_state()
    {
        SubtaskCheckpointCoordinator coordinator = Create(CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromSeconds(1)));
        using var acknowledged = new ManualResetEventSlim();
        _responder.OnAcknowledged = acknowledged.Set;

        Assert.True(coordinator.SnapshotUnaligned(B(3, CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromSeconds(1))), default));
        Assert.Equal(["prepare 3", "snapshot", "forward 3 Overtaking unaligned"], _task.Log); // the barrier says it overtook
        Assert.Empty(_responder.Acknowledged);
        coordinator.AcknowledgeChannelState(2, [1, 2, 3]); // not the checkpoint waiting: ignored
        Assert.Empty(_responder.Acknowledged);

        coordinator.AcknowledgeChannelState(3, [1, 2, 3, 4]);
        Assert.True(acknowledged.Wait(TimeSpan.FromSeconds(30)), "the channel state is written and acknowledged");
        (long id, SubtaskCheckpointStats stats) = Assert.Single(_responder.Acknowledged);
        Assert.Equal(3, id);
        Assert.True(stats.Unaligned);
        Assert.Equal(4, stats.PersistedInFlightBytes);
        Assert.Contains(_responder.Storage.ListPartialCheckpoints(), c => c == 3); // written where the job's storage keeps it
    }

    [Fact]
    public void A_dropped_unaligned_snapshot_is_never_acknowledged()
    {
        SubtaskCheckpointCoordinator coordinator = Create(CheckpointAlignment.Unaligned);
        Assert.True(coordinator.SnapshotUnaligned(B(1, CheckpointAlignment.Unaligned), default));
        coordinator.DropChannelState(1);
        coordinator.AcknowledgeChannelState(1, [9]);
        Assert.Empty(_responder.Acknowledged);
        Assert.False(coordinator.SnapshotUnaligned(B(1, CheckpointAlignment.Unaligned), default)); // and it is not taken again
    }

    [Fact]
    public void Under_aligned_checkpoints_the_first_checkpoint_after_the_input_ended_is_final_and_reaches_only_the_sinks()
    {
        SubtaskCheckpointCoordinator coordinator = Create();
        coordinator.InputEnded();
        Assert.True(_responder.InputEnded.IsSet);
        Assert.True(coordinator.IsWaitingForFinalCheckpoint);

        coordinator.CheckpointAndForward(B(4), default); // a trigger that was already posted goes the final way too
        coordinator.SnapshotFinalState(B(4)); // handed over a second time
        Assert.Equal(["prepare 4", "snapshot", "forward 4 SinksOnly aligned"], _task.Log);
        Assert.True(coordinator.HasFinalSnapshot);
        Assert.False(coordinator.NotifyComplete(3));
        Assert.True(coordinator.NotifyComplete(4)); // the checkpoint covering the final state is committed: the task may end
    }

    [Fact]
    public void Under_unaligned_checkpoints_a_finished_task_overtakes_its_queued_output_until_its_receivers_drained_it()
    {
        SubtaskCheckpointCoordinator coordinator = Create(CheckpointAlignment.Unaligned);
        coordinator.InputEnded();
        _task.Drained = false;
        coordinator.SnapshotFinalState(B(1, CheckpointAlignment.Unaligned));
        Assert.False(coordinator.HasFinalSnapshot); // its barrier went out: it must stay in the protocol
        _task.Drained = true;
        coordinator.SnapshotFinalState(B(2, CheckpointAlignment.Unaligned));

        Assert.Equal(["prepare 1", "snapshot", "forward 1 Overtaking unaligned", "prepare 2", "snapshot", "forward 2 SinksOnly unaligned"], _task.Log);
        Assert.True(coordinator.HasFinalSnapshot);
        Assert.Equal([1L, 2L], _responder.Acknowledged.Select(a => a.Id));
    }

    [Fact]
    public void Without_checkpoints_injected_barriers_still_travel_and_snapshot_hooks_run_but_nothing_is_acknowledged()
    {
        SubtaskCheckpointCoordinator coordinator = Create(enabled: false);
        coordinator.CheckpointAndForward(B(1), default);
        Assert.Equal(["prepare 1", "snapshot", "forward 1 InOrder aligned"], _task.Log);
        Assert.False(coordinator.Enabled);
        Assert.Throws<InvalidOperationException>(coordinator.InputEnded); // a task without checkpoints ends with its input
    }

    [Fact]
    public void A_cancelled_run_acknowledges_nothing()
    {
        SubtaskCheckpointCoordinator coordinator = Create();
        _cancellation.Cancel();
        coordinator.CheckpointAndForward(B(1), default);
        Assert.Empty(_responder.Acknowledged);
    }

    public void Dispose()
    {
        _responder.Dispose();
        _cancellation.Dispose();
    }

    /// <summary>A task that logs what its coordinator asks of it; its snapshot is empty (so acknowledgements are synchronous).</summary>
    private sealed class FakeTask : ICheckpointedTask
    {
        public List<string> Log { get; } = [];

        public bool Drained { get; set; } = true;

        public bool OutputsDrained => Drained;

        public void PrepareSnapshot(CheckpointBarrier barrier) => Log.Add($"prepare {barrier.CheckpointId}");

        public TaskSnapshot? SnapshotState(long checkpointId)
        {
            Log.Add("snapshot");
            return null;
        }

        public void ForwardBarrier(CheckpointBarrier barrier, BarrierRoute route) =>
            Log.Add($"forward {barrier.CheckpointId} {route} {(barrier.IsUnaligned ? "unaligned" : "aligned")}");

        public void SendCancelMarker(long checkpointId) => Log.Add($"cancel marker {checkpointId}");

        public void CheckpointCompleted(long checkpointId) => Log.Add($"completed {checkpointId}");

        public void CheckpointAborted(long checkpointId) => Log.Add($"aborted {checkpointId}");

        public bool FailFromSnapshot(DslFlow.State.TaskStateException failure)
        {
            Log.Add($"failed {failure.Message}");
            return true;
        }
    }
}
