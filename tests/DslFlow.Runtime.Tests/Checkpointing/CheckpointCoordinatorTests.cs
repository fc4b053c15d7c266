using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class CheckpointCoordinatorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeParticipants _participants = new(subtasks: 3);

    private CheckpointCoordinator Create(int maxConcurrent = 1, int tolerable = 0, int minPauseMs = 0, int timeoutMs = 10_000) =>
        new(new CheckpointConfig(TimeSpan.FromSeconds(1), CheckpointingMode.ExactlyOnce, TimeSpan.FromMilliseconds(timeoutMs),
            TimeSpan.FromMilliseconds(minPauseMs), maxConcurrent, tolerable, 1, false, null, "unused"), _participants, _time, NullLogger.Instance);

    [Fact]
    public async Task A_checkpoint_completes_when_every_subtask_acknowledged_then_every_subtask_is_notified()
    {
        await using CheckpointCoordinator coordinator = Create();
        coordinator.Start();
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1L], _participants.Barriers);

        coordinator.Acknowledge(1, 0);
        coordinator.Acknowledge(1, 2);
        coordinator.Acknowledge(1, 2); // duplicates do not count
        Assert.Empty(_participants.Completed);
        coordinator.Acknowledge(1, 1);

        Assert.Equal([1L], _participants.Persisted);
        Assert.Equal([1L], _participants.Completed);
        Assert.Equal(1, coordinator.LatestCompletedId);
        CheckpointRecord record = Assert.Single(coordinator.History);
        Assert.Equal((CheckpointStatus.Completed, 3, 3), (record.Status, record.Acknowledged, record.Total));
    }

    [Fact]
    public async Task Max_concurrent_and_min_pause_limit_triggers()
    {
        await using CheckpointCoordinator coordinator = Create(maxConcurrent: 1, minPauseMs: 2_500);
        coordinator.Start();
        _time.Advance(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1)); // checkpoint 1 still pending: no second trigger
        Assert.Equal([1L], _participants.Barriers);
        AckAll(coordinator, 1);
        _time.Advance(TimeSpan.FromSeconds(1)); // 1 s after completion: within the min pause
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1L], _participants.Barriers);
        _time.Advance(TimeSpan.FromSeconds(1)); // 3 s after completion
        Assert.Equal([1L, 2L], _participants.Barriers);
    }

    [Fact]
    public async Task An_expired_checkpoint_fails_and_beyond_the_tolerance_the_job_must_fail_over()
    {
        await using CheckpointCoordinator coordinator = Create(tolerable: 1, timeoutMs: 1_500);
        string? failOver = null;
        coordinator.TooManyFailures += reason => failOver = reason;
        Assert.Equal(1, coordinator.TriggerNow());
        coordinator.Acknowledge(1, 0);
        _time.Advance(TimeSpan.FromSeconds(1.5)); // checkpoint 1 expires
        Assert.Equal(CheckpointStatus.Failed, coordinator.History.First(r => r.Id == 1).Status);
        Assert.Contains("expired", coordinator.History.First(r => r.Id == 1).FailureReason);
        Assert.Contains(1L, _participants.Aborted);
        Assert.Null(failOver); // one failure is tolerated

        Assert.Equal(2, coordinator.TriggerNow());
        _time.Advance(TimeSpan.FromSeconds(1.5)); // checkpoint 2 expires too
        Assert.NotNull(failOver);
        Assert.Contains("Checkpoint 2 failed (expired after 00:00:01.5000000); 2 consecutive failures exceed TolerableFailedCheckpoints = 1.", failOver);
        coordinator.Acknowledge(2, 0); // late acknowledgements are ignored
    }

    [Fact]
    public async Task A_completed_checkpoint_subsumes_older_pending_ones_and_late_acks_are_ignored()
    {
        await using CheckpointCoordinator coordinator = Create(maxConcurrent: 2);
        Assert.Equal(1, coordinator.TriggerNow());
        Assert.Equal(2, coordinator.TriggerNow());
        Assert.Null(coordinator.TriggerNow()); // two in progress already
        AckAll(coordinator, 2);

        Assert.Equal([2L], _participants.Completed);
        Assert.Equal([1L], _participants.Aborted);
        Assert.Equal(CheckpointStatus.Aborted, coordinator.History.First(r => r.Id == 1).Status);
        Assert.Equal("subsumed by checkpoint 2", coordinator.History.First(r => r.Id == 1).FailureReason);
        AckAll(coordinator, 1);
        Assert.Equal([2L], _participants.Completed);
    }

    [Fact]
    public async Task A_storage_failure_fails_the_checkpoint_and_a_decline_too()
    {
        await using CheckpointCoordinator coordinator = Create(tolerable: 5);
        _participants.FailPersist = true;
        coordinator.TriggerNow();
        AckAll(coordinator, 1);
        Assert.Contains("storing it failed", coordinator.History.Single().FailureReason);
        Assert.Empty(_participants.Completed);

        _participants.FailPersist = false;
        coordinator.TriggerNow();
        coordinator.Decline(2, 1, "alignment abandoned");
        Assert.Equal("declined by subtask 1: alignment abandoned", coordinator.History.First(r => r.Id == 2).FailureReason);
    }

    private void AckAll(CheckpointCoordinator coordinator, long id)
    {
        for (int s = 0; s < _participants.SubtaskCount; s++)
        {
            coordinator.Acknowledge(id, s);
        }
    }

    private sealed class FakeParticipants(int subtasks) : ICheckpointParticipants
    {
        public List<long> Barriers { get; } = [];
        public List<long> Persisted { get; } = [];
        public List<long> Completed { get; } = [];
        public List<long> Aborted { get; } = [];
        public bool FailPersist { get; set; }

        public int SubtaskCount => subtasks;

        public void InjectBarrier(CheckpointBarrier barrier) => Barriers.Add(barrier.CheckpointId);

        public Task PersistAsync(long checkpointId, DateTimeOffset triggeredAt, IReadOnlyList<IReadOnlyList<StateHandle>> stateBySubtask)
        {
            if (FailPersist)
            {
                return Task.FromException(new IOException("disk full"));
            }
            Persisted.Add(checkpointId);
            return Task.CompletedTask;
        }

        public void NotifyComplete(long checkpointId) => Completed.Add(checkpointId);

        public void NotifyAborted(long checkpointId) => Aborted.Add(checkpointId);

        public void CheckpointEnded()
        {
        }
    }
}
