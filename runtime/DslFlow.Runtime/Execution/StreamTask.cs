using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Dataflow;
using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>
/// One subtask of a fused operator chain. Its mailbox is an <see cref="ActionBlock{T}"/> on a dedicated thread:
/// a <c>null</c> message means "run" (coalesced, so at most one is queued), any other message is a control action
/// executed between records. The run loop stops between two records when <see cref="InterruptRequested"/> is set:
/// a priority event arrived, an output ran out of credit, or a control action is waiting.
/// Generated chain classes derive from <see cref="OneInputStreamTask{TIn}"/> or <see cref="SourceStreamTask{T}"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class StreamTask : IWakeable
{
    private volatile IOutput[] _outputs = []; // replaced, never mutated: other threads read figures
    private ActionBlock<Action?>? _mailbox;
    private int _runScheduled;
    private int _pendingMails;
    private volatile int _interrupt;
    private bool _opened;
    private long _recordsIn;
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
    private readonly List<DslFlow.State.IKeyedStateSnapshot> _states = [];

    /// <summary>Creates the task.</summary>
    protected StreamTask(TaskContext context) => Context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>Where this subtask sits in the job.</summary>
    public TaskContext Context { get; }

    /// <summary>True once the task's input ended and its outputs were finished.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>Records the chain's head consumed (read from input channels, or from the source reader).</summary>
    public long RecordsIn => Volatile.Read(ref _recordsIn);

    /// <summary>Records the chain passed to downstream channels and chained sinks.</summary>
    public long RecordsOut => _outputs.Sum(o => o.RecordsOut);

    /// <summary>Records the chain wrote to chained sinks.</summary>
    public long RecordsToSinks => _outputs.Where(o => o.IsSink).Sum(o => o.RecordsOut);

    /// <summary>Completes when the task finished, failed or was cancelled.</summary>
    public Task Completion => _mailbox?.Completion ?? throw new InvalidOperationException("The task has not started.");

    /// <summary>Checked by generated loops after every record: stop and return the next index when set.</summary>
    protected bool InterruptRequested
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _interrupt != 0;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the task's thread between two records. Returns false when the task no
    /// longer runs.
    /// </summary>
    public bool Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Interlocked.Increment(ref _pendingMails);
        _interrupt = 1;
        if (_mailbox is null || !_mailbox.Post(action))
        {
            Interlocked.Decrement(ref _pendingMails);
            return false;
        }
        return true;
    }

    /// <inheritdoc />
    void IWakeable.Wake() => ScheduleRun();

    /// <inheritdoc />
    void IWakeable.WakeForPriority()
    {
        _interrupt = 1;
        ScheduleRun();
    }

    internal void Start(TaskScheduler scheduler)
    {
        _mailbox = new ActionBlock<Action?>(Dispatch, new ExecutionDataflowBlockOptions
        {
            TaskScheduler = scheduler,
            MaxDegreeOfParallelism = 1,
            CancellationToken = Context.Cancellation,
        });
        // Upstream tasks may have woken this one before its mailbox existed; those wakes were dropped.
        Volatile.Write(ref _runScheduled, 1);
        _mailbox.Post(null);
    }

    /// <summary>Called on the task's thread before the first record: create readers, writers, state.</summary>
    protected virtual void Open()
    {
    }

    /// <summary>Processes input until idle, blocked on output, interrupted by a control action, or finished.</summary>
    private protected abstract void RunLoop();

    /// <summary>Registers a writer or chained sink, so the task flushes, finishes and releases it.</summary>
    internal void AddOutput(IOutput output) => _outputs = [.. _outputs, output];

    /// <summary>Requests that the run loop stop after the current record (an output is out of credit).</summary>
    internal void RequestInterrupt() => _interrupt = 1;

    internal void AddRecordsIn(int count) => _recordsIn += count;

    /// <summary>Clears the interrupt flag and says whether control actions wait (then the loop must return).</summary>
    private protected bool ClearInterruptAndCheckMail()
    {
        Interlocked.Exchange(ref _interrupt, 0); // a full fence: a mail or priority event set after this is seen below or next record
        if (Volatile.Read(ref _pendingMails) > 0)
        {
            ScheduleRun();
            return true;
        }
        return Context.Cancellation.IsCancellationRequested;
    }

    private protected bool OutputsBlocked
    {
        get
        {
            foreach (IOutput output in _outputs)
            {
                if (output.IsBlocked)
                {
                    return true;
                }
            }
            return false;
        }
    }

    private protected void FlushOutputs()
    {
        foreach (IOutput output in _outputs)
        {
            output.FlushPartial();
        }
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
    /// The synchronous part: every keyed state and the subtask's own state (a source's position) copied into one
    /// encoded snapshot, before any later record can change them. Null when there is nothing to store.
    /// </summary>
    private byte[]? SnapshotStates()
    {
        if (Context.AcknowledgeCheckpoint is null)
        {
            return null;
        }
        var states = new List<Checkpointing.StateEntry>(_states.Count + 1);
        foreach (DslFlow.State.IKeyedStateSnapshot state in _states)
        {
            states.Add(new Checkpointing.StateEntry(state.Name, Checkpointing.StateScope.Keyed, state.Snapshot()));
        }
        SnapshotSubtaskState(states);
        return states.Count == 0 ? null
            : new Checkpointing.TaskStateSnapshot(Context.SubtaskIndex, Context.Parallelism, Context.MaxParallelism, states).Encode();
    }

    /// <summary>Adds the state that belongs to this subtask alone (a source reader's position) to a snapshot.</summary>
    private protected virtual void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
    }

    /// <summary>Loads the keyed states this task declares from the restored checkpoint, keeping this subtask's key groups.</summary>
    private void RestoreKeyedStates()
    {
        Checkpointing.RestoredCheckpoint? restored = Context.Restored;
        if (restored is null)
        {
            return;
        }
        foreach (DslFlow.State.IKeyedStateSnapshot state in _states)
        {
            foreach (byte[] bytes in restored.KeyedState(state.Name, Context.MaxParallelism))
            {
                try
                {
                    state.Restore(bytes);
                }
                catch (Exception ex) when (ex is not PipelineExecutionException)
                {
                    throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                        $"could not restore keyed state '{state.Name}' from checkpoint {restored.CheckpointId}", ex);
                }
            }
        }
    }

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
    /// coordinator hands it over directly. The task snapshots its final state, seals its sinks' last transaction, and
    /// acknowledges; when this checkpoint completes the task ends.
    /// </summary>
    internal bool TriggerFinalSnapshot(Checkpointing.CheckpointBarrier barrier) => Post(() => SnapshotFinalState(barrier));

    private void SnapshotFinalState(Checkpointing.CheckpointBarrier barrier)
    {
        if (_aborted.Contains(barrier.CheckpointId) || !FirstSnapshotOf(barrier.CheckpointId))
        {
            return; // it reached this task twice (through a channel and from the coordinator): one snapshot
        }
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        OnCheckpoint(barrier);
        byte[]? snapshot = SnapshotStates();
        _finalSnapshot ??= snapshot;
        foreach (IOutput output in _outputs)
        {
            if (output.IsSink)
            {
                output.Broadcast(barrier); // sinks flush and pre-commit; writers already sent end of input
            }
        }
        if (_finalCheckpointId < 0)
        {
            Volatile.Write(ref _finalCheckpointId, barrier.CheckpointId);
        }
        Acknowledge(barrier, snapshot, System.Diagnostics.Stopwatch.GetElapsedTime(start));
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

    /// <summary>Sends partial buffers, then the event, on every output channel.</summary>
    private protected void BroadcastEvent(ChannelEvent @event)
    {
        foreach (IOutput output in _outputs)
        {
            output.Broadcast(@event);
        }
    }

    /// <summary>Input ended: finish every output (flush, end-of-input downstream, commit sinks) and complete.</summary>
    private protected void Finish()
    {
        foreach (IOutput output in _outputs)
        {
            output.Finish();
        }
        if (Context.AcknowledgeCheckpoint is null)
        {
            Complete();
            return;
        }
        // With checkpoints, the last records are committed only by a checkpoint taken after them: stay alive for it.
        IsWaitingForFinalCheckpoint = true;
        Context.WaitingForFinalCheckpoint?.Invoke();
    }

    private void Complete()
    {
        IsFinished = true;
        _mailbox!.Complete(); // actions already queued still run before the block completes
    }

    /// <summary>Builds the exception for a failure of user code in the chain.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    protected PipelineExecutionException Failure(Exception exception, string nodeName, object? record) =>
        exception as PipelineExecutionException ?? new PipelineExecutionException(
            nodeName, Context.SubtaskIndex, Context.Parallelism, PipelineExecutionException.FormatRecord(record),
            "failed", exception);

    /// <summary>Releases readers, writers and sinks after the task stopped (called by the runner).</summary>
    internal virtual void Release()
    {
        foreach (IOutput output in _outputs)
        {
            try
            {
                output.Release();
            }
            catch (Exception ex)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger, ex, "Releasing an output of task {Task} failed", Context.TaskName);
            }
        }
    }

    internal void ScheduleRun()
    {
        ActionBlock<Action?>? mailbox = _mailbox;
        if (mailbox is not null && Interlocked.Exchange(ref _runScheduled, 1) == 0)
        {
            mailbox.Post(null);
        }
    }

    private void Dispatch(Action? mail)
    {
        if (IsFinished && mail is null)
        {
            return; // nothing to run; control actions still execute (a checkpoint reaching a finished task is acknowledged)
        }
        try
        {
            if (!_opened)
            {
                _opened = true;
                Open();
                RestoreKeyedStates();
            }
            if (mail is null)
            {
                Volatile.Write(ref _runScheduled, 0);
                RunLoop();
            }
            else
            {
                Interlocked.Decrement(ref _pendingMails);
                mail();
                ScheduleRun();
            }
        }
        catch (Exception ex) when (Context.Cancellation.IsCancellationRequested &&
            (ex is OperationCanceledException || ex.InnerException is OperationCanceledException))
        {
            // The job is being cancelled and user code honoured the token: the block completes as cancelled.
        }
        catch (PipelineExecutionException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(Context.TaskName, Context.SubtaskIndex, Context.Parallelism, null,
                "failed", ex);
        }
    }
}
