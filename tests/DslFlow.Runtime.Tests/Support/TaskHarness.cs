using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Execution;
using DslFlow.Time;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>
/// One task of a generated pipeline, driven by hand (the idea of Flink's <c>KeyedOneInputStreamOperatorTestHarness</c>):
/// the test sends records, watermarks and the end of input on the task's one input channel and moves processing time
/// on a <see cref="FakeTimeProvider"/>; <see cref="SettleAsync"/> returns once the task handled everything sent, so what
/// the chained sinks hold is deterministic. <see cref="SnapshotAsync"/> copies the task's state (timers included) as a
/// checkpoint entry that a new harness restores, into another subtask range too. The chain must end in chained sinks.
/// </summary>
/// <typeparam name="TIn">The chain head's input type.</typeparam>
internal sealed class TaskHarness<TIn> : IDisposable
{
    private readonly DedicatedThreadScheduler _thread = new("DslFlow task harness");
    private readonly CancellationTokenSource _cancellation = new();
    private readonly InputChannel<TIn> _input;
    private long _sent;

    /// <param name="graph">The pipeline's generated graph.</param>
    /// <param name="build">The pipeline's generated <c>__BuildJob</c>.</param>
    /// <param name="chain">The name of the task to drive (a chain of <paramref name="graph"/>).</param>
    /// <param name="time">The job's clock.</param>
    /// <param name="restored">A checkpoint to restore the task's state from.</param>
    /// <param name="subtask">The subtask to run, of <paramref name="parallelism"/> (its key groups).</param>
    /// <param name="parallelism">The task's parallelism.</param>
    public TaskHarness(JobGraph graph, Action<JobBuilder> build, string chain, FakeTimeProvider time, RestoredCheckpoint? restored = null,
        int subtask = 0, int parallelism = 1)
    {
        Options = new PipelineOptions { TimeProvider = time, BufferSize = 64 };
        Builder = new JobBuilder(graph, new PipelineContext(Options, _cancellation.Token));
        build(Builder);
        int index = graph.Chains.Select((c, i) => (c, i)).Single(c => c.c.Name == chain).i;
        ChainFactory factory = Builder.Chains[index]!;
        var input = (TaskInput<TIn>)factory.CreateInput([new InputChannelInfo("Harness", 0, EdgePartitioning.Hash)], Options)!;
        _input = input.Gate.Channels[0];
        var context = new TaskContext(graph, index, subtask, parallelism, graph.MaxParallelism, Options, Builder.Context, _cancellation.Token)
        {
            Input = input,
            Restored = restored,
        };
        Task = (OneInputStreamTask<TIn>)factory.Create(context);
        Task.Start(_thread);
    }

    public PipelineOptions Options { get; }

    public JobBuilder Builder { get; }

    public OneInputStreamTask<TIn> Task { get; }

    /// <summary>The instance a source or sink factory of the pipeline returned.</summary>
    public T Node<T>(string name) => (T)Builder.Nodes[name];

    /// <summary>Sends records, in one buffer.</summary>
    public void Process(params TIn[] records)
    {
        _input.Send(records, records.Length);
        _sent += records.Length;
    }

    /// <summary>Sends a watermark, after the records sent before it.</summary>
    public void Watermark(long timestamp) => _input.SendEvent(new Watermark(timestamp));

    /// <summary>Ends the input: the maximum watermark fires every event-time timer, and the task finishes.</summary>
    public void EndInput() => _input.SendEvent(EndOfInput.Instance);

    /// <summary>Moves processing time on, then waits until the task fired what became due.</summary>
    public Task AdvanceProcessingTimeAsync(TimeSpan by)
    {
        ((FakeTimeProvider)Options.TimeProvider).Advance(by);
        return SettleAsync(); // the wake-up was posted first: the mailbox runs it before the settle mail
    }

    /// <summary>Returns once the task took and handled everything sent so far (and flushed its sinks).</summary>
    public async Task SettleAsync()
    {
        Eventually.True(() => Task.IsFinished || (Task.RecordsIn == _sent && QueuedEntries() == 0), "the task takes everything sent");
        if (!Task.IsFinished)
        {
            // A control event being handled completes first, on the same thread; what it emitted is sent as an idle task
            // sends it (the task may meet this mail before it finds its input empty and flushes).
            await OnTaskThread(Task.FlushOutputsNow);
        }
    }

    /// <summary>The task's state now (keyed state and timers), as its entry of checkpoint <paramref name="checkpointId"/>.</summary>
    public Task<TaskStateSnapshot> SnapshotAsync(long checkpointId) => OnTaskThread(() =>
    {
        using TaskSnapshot snapshot = Task.SnapshotDeclaredStates(checkpointId);
        return snapshot.ToStateSnapshot();
    });

    /// <summary>Timers registered in the task's keyed node and not fired or deleted.</summary>
    public int TimersPending => Task.TimersPendingForMetrics ?? 0;

    private bool _disposed;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _cancellation.Cancel();
        try
        {
            Task.Completion.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }
        Task.Release();
        _thread.Dispose();
        _cancellation.Dispose();
    }

    private int QueuedEntries()
    {
        lock (Task.Gate.Lock)
        {
            return _input.HasQueued || _input.HasBacklog ? 1 : 0;
        }
    }

    private Task<T> OnTaskThread<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!Task.Post(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        }))
        {
            done.SetException(new InvalidOperationException("The task no longer runs."));
        }
        return done.Task;
    }

    private Task OnTaskThread(Action action) => OnTaskThread(() =>
    {
        action();
        return 0;
    });
}
