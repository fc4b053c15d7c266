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
    private readonly string _processing; // the activity of the run loop, built once
    private CancellationTokenRegistration _interruptOnCancel;

    /// <summary>Creates the task.</summary>
    protected StreamTask(TaskContext context)
    {
        Context = context ?? throw new ArgumentNullException(nameof(context));
        SubtaskCheckpoints = CreateCheckpoints(this, context);
        _processing = $"processing records in the user code of {string.Join(", ", context.Graph.Chains[context.ChainIndex].Nodes)}";
    }

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

    /// <summary>Records per buffer the task's senders use now (buffer debloating), or null when it does not debloat.</summary>
    internal virtual int? InputBufferSize => null;

    /// <summary>How long the records queued at the task's input take to consume (buffer debloating), or null.</summary>
    internal virtual TimeSpan? EstimatedTimeToConsumeBuffers => null;

    /// <summary>What the task's thread runs now, named by the cancellation watchdog when the task does not stop.</summary>
    internal TaskActivity Activity { get; } = new("starting");

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
        // A cancelled task stops after the record it is processing, not at the end of its buffer: less user code runs
        // for a run that is over, and user code that returns late (abandoned by the watchdog) runs no further.
        _interruptOnCancel = Context.Cancellation.UnsafeRegister(static task => ((StreamTask)task!).RequestInterrupt(), this);
        // Upstream tasks may have woken this one before its mailbox existed; those wakes were dropped.
        Volatile.Write(ref _runScheduled, 1);
        _mailbox.Post(null);
    }

    /// <summary>Called on the task's thread before the first record: create readers, writers, state.</summary>
    protected virtual void Open()
    {
    }

    /// <summary>After <see cref="Open"/> and the restore of the declared states (a keyed task schedules its restored timers).</summary>
    private protected virtual void OnStatesRestored()
    {
    }

    /// <summary>The task's event time for metrics: a source's last watermark, another task's input watermark; null without one.</summary>
    internal virtual long? InputWatermark => null;

    /// <summary>Timers pending in the task's keyed node, for metrics; null when it has none.</summary>
    internal virtual int? TimersPendingForMetrics => null;

    /// <summary>Late records a window node of the task dropped in this run; null without a window node.</summary>
    internal virtual long? LateRecordsDroppedForMetrics => null;

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

    /// <summary>Sends partial buffers now, as an idle task does (the one-task test harness, on the task thread).</summary>
    internal void FlushOutputsNow() => FlushOutputs();

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
        if (!SubtaskCheckpoints.Enabled)
        {
            Complete();
            return;
        }
        // With checkpoints, the last records are committed only by a checkpoint taken after them: stay alive for it.
        SubtaskCheckpoints.InputEnded();
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
        _interruptOnCancel.Dispose();
        if (!SubtaskCheckpoints.StopAsyncWrites(TimeSpan.FromSeconds(30)))
        {
            Microsoft.Extensions.Logging.LoggerExtensions.LogWarning(Context.Logger, "Checkpoint writes of task {Task} "
                + "({Subtask}) did not stop within 30 s of its release; they finish in the background", Context.TaskName,
                Context.SubtaskIndex);
        }
        SubtaskCheckpoints.ReleaseFinalSnapshot();
        _declaredStates?.Dispose();
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
                using (Activity.Enter("opening: creating its readers and writers and restoring its state"))
                {
                    Open();
                    RestoreStates();
                    OnStatesRestored();
                }
            }
            if (mail is null)
            {
                Volatile.Write(ref _runScheduled, 0);
                using (Activity.Enter(_processing))
                {
                    RunLoop();
                }
            }
            else
            {
                Interlocked.Decrement(ref _pendingMails);
                using (Activity.Enter("running a mailbox action between records (a checkpoint's snapshot, a commit or a checkpoint notification)"))
                {
                    mail();
                }
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
