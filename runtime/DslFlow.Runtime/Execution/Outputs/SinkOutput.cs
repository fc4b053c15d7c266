using System.Runtime.CompilerServices;

namespace DslFlow.Execution;

/// <summary>
/// A sink fused into a task's chain: records are gathered into a batch and written together. Once the task's run is
/// cancelled the writer hears of nothing more but <c>Dispose</c> — no write, pre-commit, commit, flush or checkpoint
/// notification — so a task that returns from stuck user code after the next run started (the cancellation watchdog
/// abandoned it) cannot add records to a sink the next run writes, or seal or commit a transaction it then commits.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class SinkOutput<T> : IOutput, ICheckpointedOutput
{
    private readonly StreamTask _owner;
    private readonly string _nodeName;
    private readonly ISinkWriter<T> _writer;
    private readonly T[] _batch;
    private int _count;
    private long _recordsOut;
    private readonly string _writing; // activities, built once
    private readonly string _calling;

    internal SinkOutput(StreamTask owner, string nodeName, ISinkWriter<T> writer, int batchSize)
    {
        _owner = owner;
        _nodeName = nodeName;
        _writer = writer;
        _batch = new T[batchSize];
        _writing = $"writing a batch to sink '{nodeName}' (ISinkWriter.Write)";
        _calling = $"calling the writer of sink '{nodeName}' (a pre-commit, commit, flush or checkpoint notification)";
    }

    /// <summary>True once the task's run was cancelled: the writer is called for nothing but <c>Dispose</c> any more.</summary>
    private bool Fenced => _owner.Context.Cancellation.IsCancellationRequested;

    /// <inheritdoc />
    public bool IsBlocked => false;

    /// <inheritdoc />
    public bool IsSink => true;

    /// <inheritdoc />
    bool IOutput.IsDrained => true;

    /// <inheritdoc />
    public long RecordsOut => Volatile.Read(ref _recordsOut);

    /// <summary>Adds one record to the batch; a full batch is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(T record)
    {
        _batch[_count++] = record;
        if (_count == _batch.Length)
        {
            FlushPartial();
        }
    }

    /// <inheritdoc />
    public void FlushPartial()
    {
        if (_count == 0)
        {
            return;
        }
        int count = _count;
        _count = 0;
        bool fenced = Fenced;
        try
        {
            if (!fenced)
            {
                using (_owner.Activity.Enter(_writing))
                {
                    _writer.Write(new ReadOnlySpan<T>(_batch, 0, count));
                }
            }
        }
        catch (Exception ex)
        {
            throw Fail(ex, $"failed writing a batch of {count} records");
        }
        finally
        {
            if (RuntimeHelpers.IsReferenceOrContainsReferences<T>())
            {
                Array.Clear(_batch, 0, count);
            }
        }
        if (!fenced)
        {
            _recordsOut += count;
        }
    }

    /// <inheritdoc />
    public void Broadcast(DslFlow.Channels.ChannelEvent @event)
    {
        FlushPartial();
        if (@event is Checkpointing.CheckpointBarrier barrier)
        {
            PreCommit(barrier.CheckpointId);
        }
    }

    /// <inheritdoc />
    public void BroadcastPriority(DslFlow.Channels.ChannelEvent @event) => Broadcast(@event); // a sink has no queue to overtake

    /// <summary>
    /// A checkpointed writer's state, as of the barrier: the batch goes to the writer first, so the state counts every
    /// record before the barrier (the pre-commit follows when the barrier is forwarded to the sink).
    /// </summary>
    void ICheckpointedOutput.SnapshotState(long checkpointId, List<Checkpointing.StateEntry> states)
    {
        if (_writer is not ICheckpointedWriter checkpointed || Fenced)
        {
            return;
        }
        FlushPartial();
        try
        {
            using TaskActivity.Scope activity = _owner.Activity.Enter(_calling);
            using var buffer = new Serialization.StateBuffer(256);
            var writer = new Serialization.StateWriter(buffer);
            checkpointed.WriteState(checkpointId, ref writer);
            states.Add(new Checkpointing.StateEntry(Checkpointing.RestoredCheckpoint.SinkStateName(_nodeName),
                Checkpointing.StateScope.OperatorList, SinkWriterStates.Encode(buffer.WrittenSpan)));
        }
        catch (Exception ex)
        {
            throw Fail(ex, $"failed to write its state for checkpoint {checkpointId}");
        }
    }

    /// <summary>Seals the records written so far as the barrier's transaction (two-phase-commit writers only).</summary>
    internal void PreCommit(long checkpointId)
    {
        if (_writer is ITwoPhaseCommitWriter<T> transactional && !Fenced)
        {
            try
            {
                using TaskActivity.Scope activity = _owner.Activity.Enter(_calling);
                transactional.PreCommit(checkpointId);
            }
            catch (Exception ex)
            {
                throw Fail(ex, $"failed to pre-commit checkpoint {checkpointId}");
            }
        }
    }

    /// <inheritdoc />
    public void NotifyCheckpointComplete(long checkpointId)
    {
        if (Fenced)
        {
            return; // a restart or the next start commits it (ITransactionalSink.RecoverTransactions)
        }
        try
        {
            using TaskActivity.Scope activity = _owner.Activity.Enter(_calling);
            (_writer as ITwoPhaseCommitWriter<T>)?.Commit(checkpointId);
            (_writer as ICheckpointListener)?.OnCheckpointComplete(checkpointId);
        }
        catch (Exception ex)
        {
            throw Fail(ex, $"failed to commit checkpoint {checkpointId}");
        }
    }

    /// <inheritdoc />
    public void NotifyCheckpointAborted(long checkpointId)
    {
        if (Fenced)
        {
            return;
        }
        try
        {
            using TaskActivity.Scope activity = _owner.Activity.Enter(_calling);
            (_writer as ICheckpointListener)?.OnCheckpointAborted(checkpointId);
        }
        catch (Exception ex)
        {
            throw Fail(ex, $"failed handling the abort of checkpoint {checkpointId}");
        }
    }

    /// <inheritdoc />
    public void Finish()
    {
        FlushPartial();
        if (Fenced)
        {
            return;
        }
        try
        {
            using TaskActivity.Scope activity = _owner.Activity.Enter(_calling);
            _writer.Flush();
        }
        catch (Exception ex)
        {
            throw Fail(ex, "failed flushing at the end of input");
        }
    }

    /// <inheritdoc />
    public void Release() => _writer.Dispose();

    private PipelineExecutionException Fail(Exception ex, string problem) =>
        ex as PipelineExecutionException ?? new PipelineExecutionException(
            _nodeName, _owner.Context.SubtaskIndex, _owner.Context.Parallelism, null, problem, ex);
}
