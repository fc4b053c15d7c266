using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>Checkpoints at a task: barriers, snapshots (aligned, unaligned, final), acknowledgements and notifications.</summary>
public abstract partial class StreamTask
{
    private long _finalCheckpointId = -1;
    private readonly HashSet<long> _snapshotted = [];
    private readonly HashSet<long> _aborted = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, CancellationTokenSource> _asyncSnapshots = new();
    private byte[]? _finalSnapshot;

    /// <summary>
    /// A checkpoint reached a task that already ended: its state is the final snapshot, written again into this
    /// checkpoint so that every completed checkpoint holds the state of every subtask (FLIP-147).
    /// </summary>
    internal void AcknowledgeAfterFinish(long checkpointId) =>
        Acknowledge(new Checkpointing.CheckpointBarrier(checkpointId, Context.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds()), _finalSnapshot, TimeSpan.Zero);

    /// <summary>True the first time a checkpoint reaches this task (it snapshots each checkpoint once).</summary>
    private bool FirstSnapshotOf(long checkpointId)
    {
        if (!_snapshotted.Add(checkpointId))
        {
            return false;
        }
        if (_snapshotted.Count > 64)
        {
            _snapshotted.Remove(_snapshotted.Min()); // bounded: old ids can no longer arrive
        }
        return true;
    }

    /// <summary>
    /// Called on the task thread when every input delivered barrier <paramref name="barrier"/> (or, for a source, when
    /// the checkpoint is triggered), before the barrier goes downstream: the point where the task's state is exactly
    /// the effect of the records before the barrier.
    /// </summary>
    protected virtual void OnCheckpoint(Checkpointing.CheckpointBarrier barrier)
    {
    }

    /// <summary>Snapshots (see <see cref="OnCheckpoint"/>) and forwards the barrier behind every record sent so far.</summary>
    private protected void CheckpointAndForward(Checkpointing.CheckpointBarrier barrier)
    {
        if (IsWaitingForFinalCheckpoint)
        {
            SnapshotFinalState(barrier);
            return;
        }
        if (_aborted.Contains(barrier.CheckpointId))
        {
            BroadcastEvent(new Checkpointing.CancelCheckpointMarker(barrier.CheckpointId)); // downstream stops aligning on it
            return;
        }
        if (!FirstSnapshotOf(barrier.CheckpointId))
        {
            return;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        OnCheckpoint(barrier);
        byte[]? snapshot = SnapshotStates();
        if (Context.Unaligned && Context.AlignedTimeout is null)
        {
            BroadcastPriority(barrier); // a source's barrier overtakes its queued output; receivers persist what it overtook
        }
        else
        {
            BroadcastEvent(barrier);
        }
        Acknowledge(barrier, snapshot, System.Diagnostics.Stopwatch.GetElapsedTime(start));
    }

    private (Checkpointing.CheckpointBarrier Barrier, byte[]? Snapshot, TimeSpan Sync)? _unaligned;

    /// <summary>
    /// The snapshot of an unaligned checkpoint, at the first barrier: state is copied and the barrier goes downstream
    /// ahead of the queued output at once; the acknowledgement waits for the channel state
    /// (<see cref="AcknowledgeUnaligned"/>). False when the barrier is skipped (aborted, already taken, or final).
    /// </summary>
    private protected bool SnapshotUnaligned(Checkpointing.CheckpointBarrier barrier)
    {
        if (IsWaitingForFinalCheckpoint)
        {
            SnapshotFinalState(barrier);
            return false;
        }
        if (_aborted.Contains(barrier.CheckpointId))
        {
            BroadcastEvent(new Checkpointing.CancelCheckpointMarker(barrier.CheckpointId));
            return false;
        }
        if (!FirstSnapshotOf(barrier.CheckpointId))
        {
            return false;
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        OnCheckpoint(barrier);
        byte[]? snapshot = SnapshotStates();
        BroadcastPriority(barrier);
        _unaligned = (barrier, snapshot, System.Diagnostics.Stopwatch.GetElapsedTime(start));
        return true;
    }

    /// <summary>Every barrier of the unaligned checkpoint arrived: acknowledge with the state and the channel state.</summary>
    private protected void AcknowledgeUnaligned(long checkpointId, byte[] channelState, long persistedBytes)
    {
        if (_unaligned is { } pending && pending.Barrier.CheckpointId == checkpointId)
        {
            _unaligned = null;
            Acknowledge(pending.Barrier, pending.Snapshot, pending.Sync, channelState, persistedBytes);
        }
    }

    /// <summary>The unaligned checkpoint in progress was aborted or abandoned: nothing will be acknowledged for it.</summary>
    private protected void AbandonUnaligned() => _unaligned = null;

    /// <summary>Sends partial buffers, then the event ahead of what is still queued, on every output channel.</summary>
    private protected void BroadcastPriority(ChannelEvent @event)
    {
        foreach (IOutput output in _outputs)
        {
            output.BroadcastPriority(@event);
        }
    }

    /// <summary>How long the alignment of the checkpoint being snapshotted took (0 for sources).</summary>
    private protected virtual TimeSpan AlignmentDuration => TimeSpan.Zero;

    /// <summary>Records processed during that alignment.</summary>
    private protected virtual long ProcessedDuringAlignment => 0;

    /// <summary>
    /// The asynchronous part, off the task thread: write the copies to checkpoint storage, then acknowledge with their
    /// handles. A write that fails declines the checkpoint (it counts against the tolerable failures).
    /// </summary>
    private void Acknowledge(Checkpointing.CheckpointBarrier barrier, byte[]? snapshot, TimeSpan sync,
        byte[]? channelState = null, long persistedBytes = 0)
    {
        long checkpointId = barrier.CheckpointId;
        var acknowledge = Context.AcknowledgeCheckpoint;
        Checkpointing.ICheckpointStorage? storage = Context.CheckpointStorage;
        if (acknowledge is null)
        {
            return;
        }
        TimeSpan alignment = AlignmentDuration;
        long processed = ProcessedDuringAlignment;
        DateTimeOffset now = Context.Options.TimeProvider.GetUtcNow();
        TimeSpan startDelay = now - DateTimeOffset.FromUnixTimeMilliseconds(barrier.Timestamp) - sync - alignment;
        Checkpointing.SubtaskCheckpointStats Stats(TimeSpan async, long size, bool aborted) => new(Context.TaskName, Context.SubtaskIndex,
            Context.Options.TimeProvider.GetUtcNow(), sync, async, alignment, startDelay < TimeSpan.Zero ? TimeSpan.Zero : startDelay,
            size, processed, persistedBytes, Unaligned: channelState is not null, aborted);
        if ((snapshot is null && channelState is null) || storage is null)
        {
            acknowledge(checkpointId, [], Stats(TimeSpan.Zero, 0, aborted: false));
            return;
        }
        // The asynchronous part can be cancelled by the checkpoint's abort as well as by the job stopping.
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Context.Cancellation);
        _asyncSnapshots[checkpointId] = cancellation;
        _ = Task.Run(async () =>
        {
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                var handles = new List<Checkpointing.StateHandle>(2);
                if (snapshot is not null)
                {
                    handles.Add(await storage.WriteStateAsync(checkpointId, StateFileName(), snapshot, cancellation.Token).ConfigureAwait(false));
                }
                if (channelState is not null)
                {
                    handles.Add(await storage.WriteStateAsync(checkpointId, ChannelStateFileName(), channelState, cancellation.Token).ConfigureAwait(false));
                }
                acknowledge(checkpointId, handles, Stats(System.Diagnostics.Stopwatch.GetElapsedTime(started), handles.Sum(h => h.Length), aborted: false));
            }
            catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
            {
                // The checkpoint was aborted or the job is stopping: nothing to report, it did not fail here.
            }
            catch (Exception ex)
            {
                Context.DeclineCheckpoint?.Invoke(checkpointId, $"writing the state of task {Context.TaskName} failed: {ex.Message}",
                    Checkpointing.CheckpointFailureCategory.AsyncPhaseFailed, Stats(System.Diagnostics.Stopwatch.GetElapsedTime(started), 0, aborted: true));
            }
            finally
            {
                _asyncSnapshots.TryRemove(checkpointId, out _);
                cancellation.Dispose();
            }
        });
    }

    private string StateFileName() => $"t{Context.ChainIndex}-s{Context.SubtaskIndex}.state";

    private string ChannelStateFileName() => $"t{Context.ChainIndex}-s{Context.SubtaskIndex}-channels.state";

    /// <summary>True once the task snapshotted its final state for a checkpoint (it ends when that one completes).</summary>
    internal bool HasFinalSnapshot => Volatile.Read(ref _finalCheckpointId) >= 0;

    /// <summary>True when the input ended and the task waits for a checkpoint that covers its final state (FLIP-147).</summary>
    public bool IsWaitingForFinalCheckpoint { get; private set; }

    /// <summary>
    /// A checkpoint reached a task whose input ended: no barrier can arrive through its channels any more, so the
    /// coordinator hands it over directly. The task snapshots its final state, seals its sinks' last transaction,
    /// sends the barrier downstream while it is still in the barrier protocol (<see cref="SnapshotFinalState"/>), and
    /// acknowledges; when its final checkpoint completes the task ends.
    /// </summary>
    internal bool TriggerFinalSnapshot(Checkpointing.CheckpointBarrier barrier) => Post(() => SnapshotFinalState(barrier));

    /// <summary>
    /// The snapshot of a task whose input ended. Under unaligned checkpoints the task stays in the barrier protocol
    /// until every downstream receiver took its end of input (FLIP-147 keeps finished tasks in it until their final
    /// checkpoint): it sends each checkpoint's barrier on its output channels — a priority barrier that overtakes the
    /// records it queued and its end of input, which the receivers record as channel state; in order under the aligned
    /// timeout, promoted when the receiver's timeout elapses — so no receiver has to consume what it queued before it
    /// can complete a checkpoint. Only a checkpoint taken once everything it sent was processed is its final one: after
    /// that it ends and can send no barrier any more. Under aligned checkpoints receivers align on the end of input
    /// anyway (an ended channel owes no barrier), so the first checkpoint is final and no barrier is sent.
    /// </summary>
    private void SnapshotFinalState(Checkpointing.CheckpointBarrier barrier)
    {
        if (_aborted.Contains(barrier.CheckpointId) || !FirstSnapshotOf(barrier.CheckpointId))
        {
            return; // it reached this task twice (through a channel and from the coordinator): one snapshot and one barrier
        }
        bool drained = !Context.Unaligned || OutputsDrained;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        OnCheckpoint(barrier);
        byte[]? snapshot = SnapshotStates();
        _finalSnapshot ??= snapshot;
        foreach (IOutput output in _outputs)
        {
            if (output.IsSink)
            {
                output.Broadcast(barrier); // sinks flush and pre-commit
            }
            else if (!drained && Context.AlignedTimeout is null)
            {
                output.BroadcastPriority(barrier); // a receiver that took the end of input already ignores it
            }
            else if (!drained)
            {
                output.Broadcast(barrier); // behind the end of input: a receiver still aligning when its timeout elapses promotes it
            }
        }
        if (_finalCheckpointId < 0 && drained)
        {
            Volatile.Write(ref _finalCheckpointId, barrier.CheckpointId);
        }
        Acknowledge(barrier, snapshot, System.Diagnostics.Stopwatch.GetElapsedTime(start));
    }

    /// <summary>True once every output's receivers took its end of input (everything the task sent was processed).</summary>
    private bool OutputsDrained
    {
        get
        {
            foreach (IOutput output in _outputs)
            {
                if (!output.IsDrained)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>The checkpoint completed everywhere and its metadata is stored: commit what it covers.</summary>
    protected virtual void OnCheckpointComplete(long checkpointId)
    {
    }

    /// <summary>The checkpoint was aborted: release what was prepared for it.</summary>
    protected virtual void OnCheckpointAborted(long checkpointId)
    {
    }

    internal void NotifyCheckpointComplete(long checkpointId) => Post(() =>
    {
        foreach (IOutput output in _outputs)
        {
            output.NotifyCheckpointComplete(checkpointId);
        }
        OnCheckpointComplete(checkpointId);
        if (_finalCheckpointId >= 0 && checkpointId >= _finalCheckpointId)
        {
            Complete(); // the checkpoint covering this task's final state is committed: the task may end
        }
    });

    /// <summary>
    /// The coordinator aborted a checkpoint (expired, declined, failed or subsumed): cancel its asynchronous write if it
    /// runs, remember the id so a barrier arriving later is skipped (a cancel marker goes downstream instead), release
    /// what an alignment holds, and tell the outputs and the task. A repeated abort does nothing.
    /// </summary>
    internal void NotifyCheckpointAborted(long checkpointId) => Post(() =>
    {
        if (!_aborted.Add(checkpointId))
        {
            return;
        }
        if (_aborted.Count > 64)
        {
            _aborted.Remove(_aborted.Min()); // bounded: barriers of old checkpoints no longer arrive
        }
        if (_asyncSnapshots.TryGetValue(checkpointId, out CancellationTokenSource? write))
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
        OnAbortNotified(checkpointId);
        foreach (IOutput output in _outputs)
        {
            output.NotifyCheckpointAborted(checkpointId);
        }
        OnCheckpointAborted(checkpointId);
    });

    /// <summary>True when the coordinator aborted the checkpoint and this task heard of it.</summary>
    private protected bool IsAborted(long checkpointId) => _aborted.Contains(checkpointId);

    /// <summary>Lets a task with inputs stop aligning on an aborted checkpoint.</summary>
    private protected virtual void OnAbortNotified(long checkpointId)
    {
    }
}
