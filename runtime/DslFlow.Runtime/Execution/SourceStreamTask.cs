using System.ComponentModel;

namespace DslFlow.Execution;

/// <summary>
/// A task whose chain head is a source. It reads batches from the subtask's reader on the task thread and runs the
/// generated chain over them; when the reader has nothing, the task flushes its outputs and waits without a thread.
/// </summary>
/// <typeparam name="T">The source's record type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public abstract partial class SourceStreamTask<T> : StreamTask, ISourceTask
{
    private readonly ISource<T> _source;
    private readonly string _sourceName;
    private readonly List<SourceSplitReader<T>> _readers = [];
    private SourceSplitReader<T>? _batchReader; // the reader of the current batch
    private int _nextReader; // round-robin over readers, so no split starves another
    private T[] _batch = [];
    private int _position;
    private int _count;
    private bool _waiting;
    private bool _positioned; // checkpoints are on and every reader can say where it is
    private readonly string _reading; // the activity of a read, built once

    /// <summary>Creates the task for a source node.</summary>
    protected SourceStreamTask(TaskContext context, string sourceName, ISource<T> source)
        : base(context)
    {
        _sourceName = sourceName;
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _reading = $"reading from source '{sourceName}' (ISourceReader.Read)";
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
        return Post(() => SubtaskCheckpoints.CheckpointAndForward(barrier, default));
    }

    /// <summary>The name of the source's position in checkpoints.</summary>
    private string PositionStateName => Checkpointing.RestoredCheckpoint.SourcePositionName(_sourceName);

    /// <inheritdoc />
    protected override void Open()
    {
        base.Open();
        _batch = new T[Context.Options.BufferSize];
        List<SourceSplit>? splits = null;
        try
        {
            splits = RestoredSplits();
            OpenReaders(splits);
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                splits is null ? "could not create its reader" : $"could not resume its readers from checkpoint {Context.Restored!.CheckpointId}", ex);
        }
        _positioned = SubtaskCheckpoints.Enabled && _source is ICheckpointedSource<T> && _readers.All(r => r.Reader is ICheckpointedReader);
        if (_positioned)
        {
            _readers.ForEach(r => r.TrackPosition());
        }
        StartWatermarks();
    }

    /// <summary>
    /// The splits this subtask resumes from a restored checkpoint: its own list when the source's parallelism is
    /// unchanged, else an even share of every old subtask's list. Null when there is nothing to resume.
    /// </summary>
    private List<SourceSplit>? RestoredSplits()
    {
        if (Context.Restored is not { } restored)
        {
            return null;
        }
        IReadOnlyList<State.OperatorListPart> parts = restored.OperatorListState(PositionStateName);
        if (parts.Count == 0)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger,
                "Checkpoint {CheckpointId} has no position for source {Source} (subtask {Subtask}): it starts from its beginning",
                restored.CheckpointId, _sourceName, Context.SubtaskIndex);
            return null;
        }
        return State.OperatorListRedistribution.Assign(parts, Context.SubtaskIndex, Context.Parallelism, SourceSplit.DecodeList);
    }

    /// <summary>A reader for this subtask's share, or one per restored split (none when the splits are all done).</summary>
    private void OpenReaders(List<SourceSplit>? splits)
    {
        if (splits is null && _source is ISplitSource<T> splitSource)
        {
            OpenSplitReaders(splitSource);
            return;
        }
        if (splits is null)
        {
            _readers.Add(new SourceSplitReader<T>(_source.CreateReader(Context.ForNode(_sourceName)), Context.SubtaskIndex, Context.Parallelism, 0));
            return;
        }
        if (_source is not ICheckpointedSource<T> checkpointed)
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger,
                "Source {Source} does not implement ICheckpointedSource<T>: after restoring checkpoint {CheckpointId} it starts "
                + "from its beginning, so records may be read twice", _sourceName, Context.Restored!.CheckpointId);
            _readers.Add(new SourceSplitReader<T>(_source.CreateReader(Context.ForNode(_sourceName)), Context.SubtaskIndex, Context.Parallelism, 0));
            return;
        }
        foreach (SourceSplit split in splits)
        {
            // The reader resumes the share of the subtask that wrote the position, whatever this subtask's index.
            NodeContext origin = Context.ForNode(_sourceName, split.OriginSubtask, split.OriginParallelism);
            ISourceReader<T> reader = checkpointed.RestoreReader(origin, split.Position);
            long skip = reader is IRestoredBatchDrop { DroppedRestoredBatch: true } ? 0 : split.Skip;
            _readers.Add(new SourceSplitReader<T>(reader, split.OriginSubtask, split.OriginParallelism, skip));
        }
    }

    /// <summary>A fresh start of a source with fixed splits: one reader per split <c>j ≡ subtask (mod parallelism)</c>.</summary>
    private void OpenSplitReaders(ISplitSource<T> source)
    {
        int count = source.SplitCount(Context.ForNode(_sourceName));
        if (count < 1)
        {
            throw new InvalidOperationException($"source '{_sourceName}' says its input has {count} splits; it must have at least one.");
        }
        for (int split = Context.SubtaskIndex; split < count; split += Context.Parallelism)
        {
            _readers.Add(new SourceSplitReader<T>(_source.CreateReader(Context.ForNode(_sourceName, split, count)), split, count, 0));
        }
    }

    /// <summary>A reader that implements <see cref="ICheckpointListener"/> hears how checkpoints end.</summary>
    protected override void OnCheckpointComplete(long checkpointId)
    {
        foreach (SourceSplitReader<T> reader in _readers)
        {
            (reader.Reader as ICheckpointListener)?.OnCheckpointComplete(checkpointId);
        }
    }

    /// <inheritdoc cref="OnCheckpointComplete"/>
    protected override void OnCheckpointAborted(long checkpointId)
    {
        foreach (SourceSplitReader<T> reader in _readers)
        {
            (reader.Reader as ICheckpointListener)?.OnCheckpointAborted(checkpointId);
        }
    }

    /// <summary>
    /// The positions in a checkpoint: per split not yet done, where its current batch started and how many of its
    /// records went out before the barrier (read but unsent records follow the barrier, so a restore reads them again
    /// and drops the sent ones); a split between batches is stored at its reader's position now, so a checkpoint taken
    /// after a file's last line went out says the file was read (a file source may then find it archived).
    /// </summary>
    private protected override void SnapshotSubtaskState(List<Checkpointing.StateEntry> states)
    {
        if (!_positioned)
        {
            return;
        }
        var splits = new List<SourceSplit>(_readers.Count);
        foreach (SourceSplitReader<T> reader in _readers)
        {
            bool current = ReferenceEquals(reader, _batchReader);
            bool inBatch = current && _position < _count;
            if (inBatch)
            {
                splits.Add(reader.ToSplit(_position));
            }
            else if (!reader.Ended)
            {
                splits.Add(reader.ToSplitBetweenBatches());
            }
        }
        states.Add(new Checkpointing.StateEntry(PositionStateName, Checkpointing.StateScope.OperatorList, SourceSplit.EncodeList(splits)));
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
            if (_batchReader is { Ended: true } ended)
            {
                EndSplit(ended); // only now: a split that ends holds the watermark back until its last record went out
            }
            _batchReader = null; // every record of its batch went out
            SourceSplitReader<T>? reader = NextReader();
            if (reader is null)
            {
                if (_readers.All(r => r.Ended))
                {
                    EndWatermarks(); // the maximum watermark, after the last record
                    Finish();
                    return;
                }
                FlushOutputs();
                WaitForData();
                return;
            }
            ReadBatch(reader);
        }
    }

    /// <summary>The next reader, round-robin, that is neither ended nor idle; null when none is.</summary>
    private SourceSplitReader<T>? NextReader()
    {
        for (int k = 0; k < _readers.Count; k++)
        {
            SourceSplitReader<T> reader = _readers[(_nextReader + k) % _readers.Count];
            if (!reader.Ended && !reader.Idle)
            {
                _nextReader = (_nextReader + k + 1) % _readers.Count;
                return reader;
            }
        }
        return null;
    }

    private void ReadBatch(SourceSplitReader<T> reader)
    {
        ReadResult result;
        try
        {
            reader.CaptureBatchStart();
            using (Activity.Enter(_reading))
            {
                result = reader.Reader.Read(_batch);
            }
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
        _batchReader = reader;
        _batchSplit = reader.EventTime;
        _position = 0;
        _count = result.Count;
        if (reader.Skip > 0)
        {
            // A restored reader returns again the records its batch emitted before the checkpoint: drop them.
            _position = (int)Math.Min(reader.Skip, _count);
            reader.Skip -= _position;
        }
        AddRecordsIn(_count - _position);
        reader.Ended = result.Status == ReadStatus.EndOfInput;
        reader.Idle = result.Status == ReadStatus.NothingAvailable && result.Count == 0;
    }

    /// <summary>Every live reader is idle: wait without a thread until one of them may have data.</summary>
    private void WaitForData()
    {
        var waits = new List<Task>();
        try
        {
            foreach (SourceSplitReader<T> reader in _readers)
            {
                if (reader.Ended)
                {
                    continue;
                }
                ValueTask wait = reader.Reader.WaitForDataAsync(Context.Cancellation);
                if (wait.IsCompletedSuccessfully)
                {
                    ResumeReaders();
                    ScheduleRun();
                    return;
                }
                waits.Add(wait.AsTask());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                "failed waiting for data", ex);
        }
        _waiting = true;
        _ = ResumeAfter(waits.Count == 1 ? waits[0] : Task.WhenAny(waits).Unwrap());
    }

    private void ResumeReaders()
    {
        foreach (SourceSplitReader<T> reader in _readers)
        {
            reader.Idle = false;
        }
    }

    private async Task ResumeAfter(Task wait)
    {
        try
        {
            await wait.ConfigureAwait(false);
            Post(() =>
            {
                _waiting = false;
                ResumeReaders();
            });
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
        StopWatermarks();
        base.Release();
        foreach (SourceSplitReader<T> reader in _readers)
        {
            try
            {
                reader.Dispose();
            }
            catch (Exception ex)
            {
                Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger, ex, "Disposing a reader of {Source} failed", _sourceName);
            }
        }
    }
}
