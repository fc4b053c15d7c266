using System.Collections.Concurrent;

namespace DslFlow.Execution;

/// <summary>
/// Runs a task's mailbox block on one dedicated thread. A sink that blocks (sleeps, waits on I/O) then blocks only
/// its own task, never the thread pool that timers, the coordinator and other tasks' continuations use. The thread is a
/// background thread: one abandoned by the cancellation watchdog (stuck in user code) does not keep the process alive.
/// </summary>
internal sealed class DedicatedThreadScheduler : TaskScheduler, IDisposable
{
    private static int s_liveThreads;
    private readonly BlockingCollection<Task> _queue = new();
    private readonly Thread _thread;

    public DedicatedThreadScheduler(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        Interlocked.Increment(ref s_liveThreads);
        _thread.Start();
    }

    /// <summary>Dedicated threads alive in this process (tests assert that jobs leave none behind).</summary>
    public static int LiveThreads => Volatile.Read(ref s_liveThreads);

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>The thread's name, as debuggers and <c>dotnet-stack</c> show it.</summary>
    public string ThreadName => _thread.Name ?? "";

    /// <summary>The thread's managed id, as dumps show it.</summary>
    public int ManagedThreadId => _thread.ManagedThreadId;

    /// <summary>Ends the thread once its queue is empty and waits for it (its task stopped, so that is at once).</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    /// <summary>
    /// Ends the thread once the work it is stuck in returns, without waiting: the cancellation watchdog gave up on it.
    /// Work queued later runs on the thread pool.
    /// </summary>
    public void Abandon() => _queue.CompleteAdding();

    protected override void QueueTask(Task task)
    {
        try
        {
            _queue.Add(task);
        }
        catch (InvalidOperationException)
        {
            // The job is over (CompleteAdding was called): run a straggler on the pool rather than drop it.
            ThreadPool.UnsafeQueueUserWorkItem(_ => TryExecuteTask(task), null);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Loop()
    {
        try
        {
            foreach (Task task in _queue.GetConsumingEnumerable())
            {
                TryExecuteTask(task);
            }
        }
        finally
        {
            Interlocked.Decrement(ref s_liveThreads);
        }
    }
}
