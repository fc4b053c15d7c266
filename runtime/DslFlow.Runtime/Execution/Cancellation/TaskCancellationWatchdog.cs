namespace DslFlow.Execution;

/// <summary>
/// Flink's task cancellation watchdog (<c>TaskCancelerWatchDog</c>, <c>task.cancellation.timeout</c>) for one execution
/// attempt: <see cref="Overdue"/> completes <see cref="PipelineOptions.TaskCancellationTimeout"/> after the attempt was
/// cancelled, so whoever waits for its tasks to stop stops waiting then (<see cref="AbandonedTask"/> reports the ones
/// still running). Flink kills the TaskManager at that point; .NET cannot stop a thread, so the attempt abandons it
/// instead. Time comes from the job's <see cref="TimeProvider"/>, so tests advance a fake clock instead of sleeping.
/// </summary>
internal sealed class TaskCancellationWatchdog : IDisposable
{
    private readonly TaskCompletionSource _overdue = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly CancellationTokenRegistration _registration;
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>Arms the timeout when <paramref name="cancellation"/> is cancelled (at once if it already is).</summary>
    public TaskCancellationWatchdog(TimeSpan timeout, TimeProvider time, CancellationToken cancellation)
    {
        Timeout = timeout;
        _time = time;
        if (IsOn)
        {
            _registration = cancellation.Register(Arm);
        }
    }

    /// <summary>The configured timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>False when the timeout is zero or infinite: the attempt waits for its tasks for ever.</summary>
    public bool IsOn => Timeout > TimeSpan.Zero; // Timeout.InfiniteTimeSpan is -1 ms

    /// <summary>Completes once the timeout elapsed after cancellation; never when the watchdog is off or nothing was cancelled.</summary>
    public Task Overdue => _overdue.Task;

    /// <summary>
    /// Waits for <paramref name="work"/> (releasing a stopped attempt's readers and writers, which runs user code too) at
    /// most the timeout from now; false when it is still running then. Waits for ever when the watchdog is off.
    /// </summary>
    public async Task<bool> WaitAsync(Task work)
    {
        if (!IsOn)
        {
            await work.ConfigureAwait(false);
            return true;
        }
        try
        {
            await work.WaitAsync(Timeout, _time).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException) when (!work.IsCompleted)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        lock (_lock)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }

    private void Arm()
    {
        lock (_lock)
        {
            // Armed once, at the first cancellation: a task gets the whole timeout to stop, not less.
            if (!_disposed && _timer is null)
            {
                _timer = _time.CreateTimer(static s => ((TaskCompletionSource)s!).TrySetResult(), _overdue, Timeout, System.Threading.Timeout.InfiniteTimeSpan);
            }
        }
    }
}
