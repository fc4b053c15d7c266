using System.ComponentModel;

namespace DslFlow.Execution;

/// <summary>
/// A task whose chain head is a source. It reads batches from the subtask's reader on the task thread and runs the
/// generated chain over them; when the reader has nothing, the task flushes its outputs and waits without a thread.
/// </summary>
/// <typeparam name="T">The source's record type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract class SourceStreamTask<T> : StreamTask, ISourceTask
{
    private readonly ISource<T> _source;
    private readonly string _sourceName;
    private ISourceReader<T>? _reader;
    private T[] _batch = [];
    private int _position;
    private int _count;
    private bool _ended;
    private bool _waiting;
    private ICheckpointedReader? _positioned;
    private Serialization.StateBuffer? _batchStart; // the reader's position before the current batch
    private long _skip; // records a restored reader returns again that were emitted before the checkpoint

    /// <summary>Creates the task for a source node.</summary>
    protected SourceStreamTask(TaskContext context, string sourceName, ISource<T> source)
        : base(context)
    {
        _sourceName = sourceName;
        _source = source ?? throw new ArgumentNullException(nameof(source));
    }

    /// <summary>Runs the chain over <c>records[start..end)</c>; see <see cref="OneInputStreamTask{TIn}"/>.</summary>
    protected abstract int ProcessRecords(T[] records, int start, int end);

    /// <summary>
    /// Injects a barrier (from any thread): between two records, the task snapshots and sends the barrier behind every
    /// record emitted so far. Records already read but not yet emitted follow the barrier. Returns false when the task
    /// no longer runs (it finished or failed).
    /// </summary>
    public bool TriggerCheckpoint(Checkpointing.CheckpointBarrier barrier)
    {
        ArgumentNullException.ThrowIfNull(barrier);
        return Post(() => CheckpointAndForward(barrier));
    }

    /// <summary>The name of the source's position in checkpoints.</summary>
    private string PositionStateName => Checkpointing.RestoredCheckpoint.SourcePositionName(_sourceName);

    /// <inheritdoc />
    protected override void Open()
    {
        base.Open();
        _batch = new T[Context.Options.BufferSize];
        byte[]? position = null;
        try
        {
            position = Context.Restored?.SubtaskState(PositionStateName, Context.SubtaskIndex, Context.Parallelism, $"source '{_sourceName}'");
            _reader = CreateReader(position);
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                position is null ? "could not create its reader" : $"could not resume its reader from checkpoint {Context.Restored!.CheckpointId}", ex);
        }
        if (Context.AcknowledgeCheckpoint is not null && _reader is ICheckpointedReader positioned)
        {
            _positioned = positioned;
            _batchStart = new Serialization.StateBuffer(64);
            CaptureBatchStart();
        }
    }

    /// <summary>A new reader, or one resumed at a checkpoint's position: (reader position, records of its batch already emitted).</summary>
    private ISourceReader<T> CreateReader(byte[]? position)
    {
        NodeContext context = Context.ForNode(_sourceName);
        if (position is null)
        {
            if (Context.Restored is not null)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger,
                    "Checkpoint {CheckpointId} has no position for source {Source} (subtask {Subtask}): it starts from its beginning",
                    Context.Restored.CheckpointId, _sourceName, Context.SubtaskIndex);
            }
            return _source.CreateReader(context);
        }
        var reader = new Serialization.StateReader(position);
        _skip = reader.ReadVarInt64();
        ReadOnlySpan<byte> readerPosition = reader.ReadBytes(reader.Remaining);
        if (_source is ICheckpointedSource<T> checkpointed)
        {
            return checkpointed.RestoreReader(context, readerPosition);
        }
        Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger,
            "Source {Source} does not implement ICheckpointedSource<T>: after restoring checkpoint {CheckpointId} it starts "
            + "from its beginning, so records may be read twice", _sourceName, Context.Restored!.CheckpointId);
        _skip = 0;
        return _source.CreateReader(context);
    }

    /// <summary>A reader that implements <see cref="ICheckpointListener"/> hears how checkpoints end.</summary>
    protected override void OnCheckpointComplete(long checkpointId) => (_reader as ICheckpointListener)?.OnCheckpointComplete(checkpointId);

    /// <inheritdoc cref="OnCheckpointComplete"/>
    protected override void OnCheckpointAborted(long checkpointId) => (_reader as ICheckpointListener)?.OnCheckpointAborted(checkpointId);

    private void CaptureBatchStart()
    {
        _batchStart!.Reset();
        var writer = new Serialization.StateWriter(_batchStart);
        _positioned!.WritePosition(ref writer);
    }

    /// <summary>
    /// The position in a checkpoint: where the current batch started, and how many of its records went out before the
    /// barrier (read but unsent records follow the barrier, so a restore reads them again).
    /// </summary>
    private protected override void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
        if (_batchStart is null)
        {
            return;
        }
        using var buffer = new Serialization.StateBuffer(_batchStart.WrittenCount + 10);
        var writer = new Serialization.StateWriter(buffer);
        writer.WriteVarInt64(_position + _skip);
        writer.WriteRaw(_batchStart.WrittenSpan);
        states.Add(new Checkpointing.StateEntry(PositionStateName, Checkpointing.StateScope.Subtask, buffer.ToArray()));
    }

    private protected sealed override void RunLoop()
    {
        while (true)
        {
            if (ClearInterruptAndCheckMail() || _waiting || IsWaitingForFinalCheckpoint)
            {
                return;
            }
            if (OutputsBlocked)
            {
                return;
            }
            if (_position < _count)
            {
                int next = ProcessRecords(_batch, _position, _count);
                _position = next;
                continue;
            }
            if (_ended)
            {
                Finish();
                return;
            }
            ReadResult result;
            try
            {
                if (_positioned is not null)
                {
                    CaptureBatchStart();
                }
                result = _reader!.Read(_batch);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                    "failed reading", ex);
            }
            if ((uint)result.Count > (uint)_batch.Length)
            {
                throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                    $"returned a count of {result.Count} records for a batch of {_batch.Length}; a reader must return between 0 and the span's length", null);
            }
            _position = 0;
            _count = result.Count;
            if (_skip > 0)
            {
                // A restored reader returns again the records its batch emitted before the checkpoint: drop them.
                _position = (int)Math.Min(_skip, _count);
                _skip -= _position;
            }
            AddRecordsIn(_count - _position);
            if (result.Status == ReadStatus.EndOfInput)
            {
                _ended = true;
            }
            else if (result.Status == ReadStatus.NothingAvailable && result.Count == 0)
            {
                FlushOutputs();
                WaitForData();
                return;
            }
        }
    }

    private void WaitForData()
    {
        ValueTask wait;
        try
        {
            wait = _reader!.WaitForDataAsync(Context.Cancellation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                "failed waiting for data", ex);
        }
        if (wait.IsCompletedSuccessfully)
        {
            ScheduleRun();
            return;
        }
        _waiting = true;
        _ = ResumeAfter(wait.AsTask());
    }

    private async Task ResumeAfter(Task wait)
    {
        try
        {
            await wait.ConfigureAwait(false);
            Post(() => _waiting = false);
        }
        catch (OperationCanceledException) when (Context.Cancellation.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Post(() => throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism,
                null, "failed waiting for data", ex));
        }
    }

    internal override void Release()
    {
        base.Release();
        try
        {
            _reader?.Dispose();
        }
        catch (Exception ex)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger, ex, "Disposing the reader of {Source} failed", _sourceName);
        }
    }
}
