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

    /// <inheritdoc />
    protected override void Open()
    {
        base.Open();
        _batch = new T[Context.Options.BufferSize];
        try
        {
            _reader = _source.CreateReader(Context.ForNode(_sourceName));
        }
        catch (Exception ex)
        {
            throw new PipelineExecutionException(_sourceName, Context.SubtaskIndex, Context.Parallelism, null,
                "could not create its reader", ex);
        }
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
            AddRecordsIn(result.Count);
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
