using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class CheckpointCoordinatorTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeParticipants _participants = new(subtasks: 3);

    private CheckpointCoordinator Create(int maxConcurrent = 1, int tolerable = 0, int minPauseMs = 0, int timeoutMs = 10_000,
        CheckpointStatsTracker? stats = null) =>
        new(new CheckpointConfig(TimeSpan.FromSeconds(1), CheckpointAlignment.Aligned, TimeSpan.FromMilliseconds(timeoutMs),
            TimeSpan.FromMilliseconds(minPauseMs), maxConcurrent, tolerable, 1, "unused"), _participants, _time, NullLogger.Instance,
            stats: stats);

    private SubtaskCheckpointStats Subtask(int index, long size = 10) => new("Map", index, _time.GetUtcNow(), TimeSpan.FromMilliseconds(1),
        TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(4), size, 5, 0, false, false);

    [Fact]
    public async Task Only_expiry_async_phase_and_storage_failures_count_against_the_tolerance()
    {
        await using CheckpointCoordinator coordinator = Create(tolerable: 0, maxConcurrent: 2);
        string? failOver = null;
        coordinator.TooManyFailures += reason => failOver = reason;

        coordinator.TriggerNow();
        coordinator.Decline(1, 0, "barrier 2 arrived before the alignment of 1 completed"); // declined: not counted
        coordinator.TriggerNow();
        coordinator.TriggerNow();
        AckAll(coordinator, 3); // subsumes 2: not counted
        Assert.Null(failOver);
        Assert.Equal(CheckpointFailureCategory.Declined, coordinator.History.First(r => r.Id == 1).FailureCategory);
        Assert.Equal(CheckpointFailureCategory.Subsumed, coordinator.History.First(r => r.Id == 2).FailureCategory);

        coordinator.TriggerNow();
        coordinator.Decline(4, 2, "writing the state failed: disk full", CheckpointFailureCategory.AsyncPhaseFailed, Subtask(2) with { Aborted = true });
        Assert.NotNull(failOver);
        Assert.StartsWith("Checkpoint 4 failed (AsyncPhaseFailed: declined by Map subtask 2: writing the state failed: disk full); 1 consecutive failures", failOver);
    }

    [Fact]
    public async Task A_checkpoint_asked_for_on_demand_does_not_count_against_the_tolerance_when_it_fails()
    {
        await using CheckpointCoordinator coordinator = Create(tolerable: 0);
        string? failOver = null;
        coordinator.TooManyFailures += reason => failOver = reason;

        Assert.Equal(1, coordinator.TriggerOnDemand());
        coordinator.Decline(1, 0, "writing the state failed: disk full", CheckpointFailureCategory.AsyncPhaseFailed, Subtask(0) with { Aborted = true });
        Assert.Null(failOver); // like a failed savepoint in Flink: the job goes on

        coordinator.TriggerNow();
        coordinator.Decline(2, 0, "writing the state failed: disk full", CheckpointFailureCategory.AsyncPhaseFailed, Subtask(0) with { Aborted = true });
        Assert.NotNull(failOver); // a periodic one still counts
    }

    [Fact]
    public async Task A_failed_checkpoint_shows_its_status_time_and_reason_and_counts_only_real_acknowledgements()
    {
        var stats = new CheckpointStatsTracker("job", 10, null, NullLogger.Instance);
        await using CheckpointCoordinator coordinator = Create(tolerable: 5, stats: stats);
        DateTimeOffset triggered = _time.GetUtcNow();
        coordinator.TriggerNow();
        coordinator.Acknowledge(1, 0, [], Subtask(0, size: 100));
        _time.Advance(TimeSpan.FromMilliseconds(30));
        coordinator.Decline(1, 1, "writing the state failed: disk full", CheckpointFailureCategory.AsyncPhaseFailed, Subtask(1));

        CheckpointStats snapshot = stats.Snapshot();
        CheckpointRecord failed = Assert.Single(snapshot.History);
        Assert.Equal(CheckpointStatus.Failed, failed.Status);
        Assert.Equal(triggered + TimeSpan.FromMilliseconds(30), failed.EndedAt);
        Assert.Equal(CheckpointFailureCategory.AsyncPhaseFailed, failed.FailureCategory);
        Assert.Equal("declined by Map subtask 1: writing the state failed: disk full", failed.FailureReason);
        Assert.Equal((1, 3), (failed.Acknowledged, failed.Total)); // the decline is not an acknowledgement
        Assert.Equal(100, failed.StateSize);
        Assert.Equal([false, true], failed.Subtasks.Select(s => s.Aborted));
        Assert.Equal(new CheckpointCounts(0, 1, 0, 0), snapshot.Counts);
        Assert.Same(snapshot.LatestFailed, snapshot.History[0]);
        Assert.Null(snapshot.LatestCompleted);
    }

    [Fact]
    public async Task The_history_keeps_its_configured_length_and_the_counts_keep_growing()
    {
        var stats = new CheckpointStatsTracker("job", 3, null, NullLogger.Instance);
        await using CheckpointCoordinator coordinator = Create(stats: stats);
        for (long id = 1; id <= 5; id++)
        {
            coordinator.TriggerNow();
            _time.Advance(TimeSpan.FromMilliseconds(7));
            for (int s = 0; s < 3; s++)
            {
                coordinator.Acknowledge(id, s, [], Subtask(s));
            }
        }
        coordinator.TriggerNow(); // in progress

        CheckpointStats snapshot = stats.Snapshot();
        Assert.Equal([4L, 5L, 6L], snapshot.History.Select(r => r.Id));
        Assert.Equal(CheckpointStatus.InProgress, snapshot.History[^1].Status);
        Assert.Equal(new CheckpointCounts(5, 0, 1, 0), snapshot.Counts);
        Assert.Equal(5, snapshot.LatestCompleted!.Id);
        Assert.Equal(TimeSpan.FromMilliseconds(7), snapshot.LatestCompleted.Duration);
        Assert.Equal(30, snapshot.LatestCompleted.StateSize);
        Assert.Equal(15, snapshot.LatestCompleted.ProcessedInFlightRecords);
        Assert.Equal(_time.GetUtcNow(), snapshot.LatestCompleted.LatestAcknowledgedAt);
    }

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
        Assert.Contains("Checkpoint 2 failed (Expired: expired after 00:00:01.5000000); 2 consecutive failures exceed TolerableFailedCheckpoints = 1.", failOver);
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
