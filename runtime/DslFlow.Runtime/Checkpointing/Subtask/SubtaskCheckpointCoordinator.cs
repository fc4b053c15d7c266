using System.Collections.Concurrent;
using System.Diagnostics;

namespace DslFlow.Checkpointing;

/// <summary>
/// The checkpoint work of one subtask (Flink's <c>SubtaskCheckpointCoordinator</c>): takes the synchronous snapshot and
/// forwards the barrier, starts and cancels the asynchronous write, keeps an unaligned snapshot until its channel state
/// is recorded, acknowledges or declines through the <see cref="ICheckpointResponder"/>, and handles how checkpoints
/// end, including the final checkpoint of a task whose input ended (FLIP-147). The task calls it on its thread; only the
/// asynchronous write runs elsewhere.
/// </summary>
internal sealed class SubtaskCheckpointCoordinator(ICheckpointedTask task, SubtaskIdentity subtask, TaskCheckpointing? setup,
    TimeProvider time, CancellationToken cancellation)
{
    private readonly RecentCheckpoints _aborted = new();
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _asyncWrites = new();
    private readonly ConcurrentDictionary<long, Task> _runningWrites = new();
    private long _latestSnapshot = -1; // the newest checkpoint snapshotted here: a checkpoint reaches a task once
    private UnalignedSnapshot? _awaitingChannelState;
    private long _finalCheckpointId = -1;
    private TaskSnapshot? _finalSnapshot;

    /// <summary>
    /// True when checkpoints are on. Off, barriers a test or a caller injects still travel and snapshot hooks still run,
    /// but nothing is stored or acknowledged.
    /// </summary>
    public bool Enabled => setup is not null;

    /// <summary>How the job's checkpoints are aligned (aligned when checkpoints are off).</summary>
    public CheckpointAlignment Alignment => setup?.Alignment ?? CheckpointAlignment.Aligned;

    /// <summary>True when the input ended and the task waits for a checkpoint that covers its final state (FLIP-147).</summary>
    public bool IsWaitingForFinalCheckpoint { get; private set; }

    /// <summary>True once the task snapshotted its final state for a checkpoint (it ends when that one completes).</summary>
    public bool HasFinalSnapshot => Volatile.Read(ref _finalCheckpointId) >= 0;

    /// <summary>
    /// Snapshots and forwards the barrier behind every record sent so far (a source's trigger, or a completed alignment);
    /// under unaligned checkpoints a source's barrier overtakes its queued output instead.
    /// </summary>
    public void CheckpointAndForward(CheckpointBarrier barrier, AlignmentFigures alignment)
    {
        if (!TakeSnapshot(barrier, out TaskSnapshot? snapshot, out TimeSpan sync))
        {
            return;
        }
        Acknowledge(barrier, snapshot, sync, alignment);
    }

    /// <summary>
    /// The snapshot of an unaligned checkpoint at its first barrier: the barrier goes downstream ahead of the queued
    /// output at once; the acknowledgement waits for the channel state (<see cref="AcknowledgeChannelState"/>). False when
    /// the barrier is skipped (aborted, taken already, or the task's input ended).
    /// </summary>
    public bool SnapshotUnaligned(CheckpointBarrier barrier, AlignmentFigures alignment)
    {
        barrier = barrier.AsUnaligned();
        if (!TakeSnapshot(barrier, out TaskSnapshot? snapshot, out TimeSpan sync))
        {
            return false;
        }
        _awaitingChannelState = new UnalignedSnapshot(barrier, snapshot, sync, alignment);
        return true;
    }

    /// <summary>Every barrier of the unaligned checkpoint arrived: acknowledge with the state and the encoded channel state.</summary>
    public void AcknowledgeChannelState(long checkpointId, byte[] channels)
    {
        if (_awaitingChannelState is not { } pending || pending.Barrier.CheckpointId != checkpointId)
        {
            return;
        }
        _awaitingChannelState = null;
        var file = new TaskSnapshot(subtask.SubtaskIndex, subtask.Parallelism, subtask.MaxParallelism,
            [new StateEntry(RestoredCheckpoint.ChannelStateName(subtask.TaskName), StateScope.ChannelState, channels)], []);
        Acknowledge(pending.Barrier, pending.Snapshot, pending.Sync, pending.Alignment, file, channels.Length);
    }

    /// <summary>The unaligned checkpoint in progress cannot complete here: nothing will be acknowledged for it.</summary>
    public void DropChannelState(long checkpointId)
    {
        if (_awaitingChannelState?.Barrier.CheckpointId == checkpointId)
        {
            _awaitingChannelState.Snapshot?.Dispose();
            _awaitingChannelState = null;
        }
    }

    /// <summary>Tells the coordinator this subtask cannot take the checkpoint.</summary>
    public void Decline(long checkpointId, string reason) =>
        setup?.Responder.Decline(checkpointId, reason, CheckpointFailureCategory.Declined, null);

    /// <summary>The task's input ended and its outputs finished: it stays alive for the checkpoint that commits its last records.</summary>
    public void InputEnded()
    {
        if (setup is null)
        {
            throw new InvalidOperationException("Without checkpoints a task ends with its input; it waits for no final checkpoint.");
        }
        IsWaitingForFinalCheckpoint = true;
        setup.Responder.ReportInputEnded();
    }

    /// <summary>
    /// The snapshot of a task whose input ended. Under unaligned checkpoints the task stays in the barrier protocol until
    /// every downstream receiver took its end of input (FLIP-147 keeps finished tasks in it until their final checkpoint):
    /// it sends each checkpoint's barrier on its output channels — overtaking the records it queued and its end of
    /// input, which the receivers record as channel state; in order under the aligned timeout, promoted when the
    /// receiver's timeout elapses — so no receiver has to consume what it queued before it can complete a checkpoint.
    /// Only a checkpoint taken once everything it sent was processed is its final one: after that it ends and can send
    /// no barrier any more. Under aligned checkpoints receivers align on the end of input anyway (an ended channel owes
    /// no barrier), so the first checkpoint is final and no barrier is sent.
    /// </summary>
    public void SnapshotFinalState(CheckpointBarrier barrier)
    {
        if (_aborted.Contains(barrier.CheckpointId) || !FirstSnapshotOf(barrier.CheckpointId))
        {
            return; // it reached this task twice (through a channel and from the coordinator): one snapshot and one barrier
        }
        bool drained = !Alignment.PersistsChannelState || task.OutputsDrained;
        long start = Stopwatch.GetTimestamp();
        task.PrepareSnapshot(barrier);
        TaskSnapshot? snapshot = task.SnapshotState(barrier.CheckpointId);
        _finalSnapshot ??= snapshot;
        if (drained)
        {
            task.ForwardBarrier(barrier, BarrierRoute.SinksOnly); // sinks flush and pre-commit
        }
        else if (Alignment.IsUnaligned)
        {
            task.ForwardBarrier(barrier.AsUnaligned(), BarrierRoute.Overtaking); // a receiver that took the end of input ignores it
        }
        else
        {
            task.ForwardBarrier(barrier, BarrierRoute.InOrder); // behind the end of input: a receiver still aligning when its timeout elapses promotes it
        }
        if (_finalCheckpointId < 0 && drained)
        {
            Volatile.Write(ref _finalCheckpointId, barrier.CheckpointId);
        }
        Acknowledge(barrier, snapshot, Stopwatch.GetElapsedTime(start), default);
    }

    /// <summary>
    /// A checkpoint reached a task that already ended: its state is the final snapshot, written again into this
    /// checkpoint so that every completed checkpoint holds the state of every subtask (FLIP-147).
    /// </summary>
    public void AcknowledgeAfterFinish(long checkpointId) =>
        Acknowledge(new CheckpointBarrier(checkpointId, time.GetUtcNow().ToUnixTimeMilliseconds(), Alignment), _finalSnapshot, TimeSpan.Zero, default);

    /// <summary>The checkpoint completed everywhere: commit what it covers. True when it covers the task's final state (the task may end).</summary>
    public bool NotifyComplete(long checkpointId)
    {
        task.CheckpointCompleted(checkpointId);
        return _finalCheckpointId >= 0 && checkpointId >= _finalCheckpointId;
    }

    /// <summary>
    /// The coordinator aborted a checkpoint (expired, declined, failed or subsumed): cancel its asynchronous write if it
    /// runs, remember the id so that a barrier arriving later is skipped (a cancel marker goes downstream instead), and
    /// tell the task. A repeated abort does nothing.
    /// </summary>
    public void NotifyAborted(long checkpointId)
    {
        if (!_aborted.Add(checkpointId))
        {
            return;
        }
        if (_asyncWrites.TryGetValue(checkpointId, out CancellationTokenSource? write))
        {
            try
            {
                write.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The write just ended.
            }
        }
        task.CheckpointAborted(checkpointId);
    }

    /// <summary>The synchronous part shared by every snapshot: skips a checkpoint aborted or taken already, else copies and forwards.</summary>
    private bool TakeSnapshot(CheckpointBarrier barrier, out TaskSnapshot? snapshot, out TimeSpan sync)
    {
        snapshot = null;
        sync = TimeSpan.Zero;
        if (IsWaitingForFinalCheckpoint)
        {
            SnapshotFinalState(barrier);
            return false;
        }
        if (_aborted.Contains(barrier.CheckpointId))
        {
            task.SendCancelMarker(barrier.CheckpointId); // downstream stops aligning on it
            return false;
        }
        if (!FirstSnapshotOf(barrier.CheckpointId))
        {
            return false;
        }
        long start = Stopwatch.GetTimestamp();
        task.PrepareSnapshot(barrier);
        snapshot = task.SnapshotState(barrier.CheckpointId);
        // Only receivers that persist channel state take an overtaking barrier (one injected unaligned into an aligned job,
        // or into one without checkpoints, would be dropped by them): elsewhere it travels in order.
        task.ForwardBarrier(barrier, barrier.IsUnaligned && Alignment.PersistsChannelState ? BarrierRoute.Overtaking : BarrierRoute.InOrder);
        sync = Stopwatch.GetElapsedTime(start);
        return true;
    }

    /// <summary>True the first time a checkpoint reaches this task (ids increase: an older one can no longer be snapshotted).</summary>
    private bool FirstSnapshotOf(long checkpointId)
    {
        if (checkpointId <= _latestSnapshot)
        {
            return false;
        }
        _latestSnapshot = checkpointId;
        return true;
    }

    /// <summary>
    /// The asynchronous part, off the task thread: serialize the frozen state and write it to checkpoint storage, then
    /// acknowledge with the handles. A write that fails declines the checkpoint (it counts against the tolerable
    /// failures); a serializer that refuses a value fails the task, since every later checkpoint would fail the same way.
    /// </summary>
    private void Acknowledge(CheckpointBarrier barrier, TaskSnapshot? snapshot, TimeSpan sync, AlignmentFigures alignment,
        TaskSnapshot? channelState = null, long persistedBytes = 0)
    {
        if (setup is null || cancellation.IsCancellationRequested)
        {
            // A cancelled run writes no state: a snapshot that returns late (its task abandoned by the watchdog) must
            // not add files to checkpoint storage the next run already cleaned up.
            Release(snapshot);
            channelState?.Dispose();
            return;
        }
        TaskCheckpointing target = setup;
        long checkpointId = barrier.CheckpointId;
        DateTimeOffset now = time.GetUtcNow();
        TimeSpan startDelay = now - DateTimeOffset.FromUnixTimeMilliseconds(barrier.Timestamp) - sync - alignment.Duration;
        SubtaskCheckpointStats Stats(TimeSpan async, long size, bool aborted) => new(subtask.TaskName, subtask.SubtaskIndex,
            time.GetUtcNow(), sync, async, alignment.Duration, startDelay < TimeSpan.Zero ? TimeSpan.Zero : startDelay,
            size, alignment.ProcessedRecords, persistedBytes, Unaligned: channelState is not null, aborted);
        if ((snapshot is null || snapshot.IsEmpty) && channelState is null)
        {
            Release(snapshot);
            target.Responder.Acknowledge(checkpointId, [], Stats(TimeSpan.Zero, 0, aborted: false));
            return;
        }
        // The asynchronous part can be cancelled by the checkpoint's abort as well as by the job stopping.
        var write = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _asyncWrites[checkpointId] = write;
        var start = new Task<Task>(async () =>
        {
            long started = Stopwatch.GetTimestamp();
            try
            {
                var handles = new List<StateHandle>(2);
                if (snapshot is not null && !snapshot.IsEmpty)
                {
                    handles.AddRange(await snapshot.WriteAsync(target.Storage, checkpointId, subtask.StateFileName, write.Token).ConfigureAwait(false));
                }
                if (channelState is not null)
                {
                    handles.AddRange(await channelState.WriteAsync(target.Storage, checkpointId, subtask.ChannelStateFileName, write.Token).ConfigureAwait(false));
                }
                target.Responder.Acknowledge(checkpointId, handles, Stats(Stopwatch.GetElapsedTime(started), handles.Sum(h => h.Length), aborted: false));
            }
            catch (OperationCanceledException) when (write.IsCancellationRequested)
            {
                // The checkpoint was aborted or the job is stopping: nothing to report, it did not fail here.
            }
            catch (State.TaskStateException ex) when (task.FailFromSnapshot(ex))
            {
                // The task fails, naming the state; its failover aborts the checkpoint.
            }
            catch (State.TaskStateException ex)
            {
                target.Responder.Decline(checkpointId, $"the state of task {subtask.TaskName} could not be saved: {ex.Message}: {ex.InnerException?.Message}",
                    CheckpointFailureCategory.AsyncPhaseFailed, Stats(Stopwatch.GetElapsedTime(started), 0, aborted: true));
            }
            catch (Exception ex)
            {
                target.Responder.Decline(checkpointId, $"writing the state of task {subtask.TaskName} failed: {ex.Message}",
                    CheckpointFailureCategory.AsyncPhaseFailed, Stats(Stopwatch.GetElapsedTime(started), 0, aborted: true));
            }
            finally
            {
                _asyncWrites.TryRemove(checkpointId, out _);
                write.Dispose();
                Release(snapshot);
                channelState?.Dispose();
                _runningWrites.TryRemove(checkpointId, out _);
            }
        });
        _runningWrites[checkpointId] = start.Unwrap(); // recorded before it runs, so its end always removes it
        start.Start(TaskScheduler.Default);
    }

    /// <summary>
    /// The task is released: drops an unaligned snapshot still waiting for its channel state, cancels the asynchronous
    /// writes still running (their checkpoints can no longer complete with this attempt) and waits, up to <paramref name="timeout"/>, until they let go of what they hold — a backend's
    /// files — so nothing of the task is still at work once its job is over. False when some did not end in time.
    /// </summary>
    public bool StopAsyncWrites(TimeSpan timeout)
    {
        if (_awaitingChannelState is { } unaligned)
        {
            DropChannelState(unaligned.Barrier.CheckpointId); // its channel state can no longer complete
        }
        foreach (CancellationTokenSource write in _asyncWrites.Values)
        {
            try
            {
                write.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The write just ended.
            }
        }
        Task[] running = [.. _runningWrites.Values];
        try
        {
            return running.Length == 0 || Task.WaitAll(running, timeout);
        }
        catch (AggregateException)
        {
            return true; // the writes catch their own failures; an escaped one has ended all the same
        }
    }

    /// <summary>
    /// Frees the final snapshot once the task is released (no checkpoint can write it again); waits for a write of it in
    /// progress. A backend may hold resources for it (the RocksDB backend keeps its database open).
    /// </summary>
    public void ReleaseFinalSnapshot() => Interlocked.Exchange(ref _finalSnapshot, null)?.Dispose();

    /// <summary>Frees a snapshot once written, unless it is the final one, which later checkpoints write again.</summary>
    private void Release(TaskSnapshot? snapshot)
    {
        if (snapshot is not null && !ReferenceEquals(snapshot, Volatile.Read(ref _finalSnapshot)))
        {
            snapshot.Dispose();
        }
    }

    /// <summary>An unaligned snapshot waiting for its channel state.</summary>
    private sealed record UnalignedSnapshot(CheckpointBarrier Barrier, TaskSnapshot? Snapshot, TimeSpan Sync, AlignmentFigures Alignment);
}
