using System.Collections.Concurrent;
using DslFlow.Channels;
using DslFlow.Execution;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>A hand-written receiver chain that records what it sees; hooks let tests block or observe it.</summary>
internal sealed class ProbeTask(TaskContext context) : OneInputStreamTask<long>(context)
{
    public ConcurrentQueue<long> Records { get; } = new();

    public ConcurrentQueue<int> BufferSizes { get; } = new();

    public long Processed;

    public Action<long>? OnRecord { get; set; }

    public Action<ProbeTask, ChannelEvent, int, long>? OnPriority { get; set; }

    /// <summary>Per checkpoint: records processed from source A and from source B when the snapshot was taken.</summary>
    public ConcurrentQueue<(long Id, long FromA, long FromB)> Checkpoints { get; } = new();

    private long _fromA;
    private long _fromB;

    /// <summary>Called at each snapshot, on the task thread.</summary>
    public Action<long>? OnSnapshot { get; set; }

    protected override void OnCheckpoint(DslFlow.Checkpointing.CheckpointBarrier barrier)
    {
        Checkpoints.Enqueue((barrier.CheckpointId, _fromA, _fromB));
        OnSnapshot?.Invoke(barrier.CheckpointId);
    }

    /// <summary>Checkpoints this task was told completed, in order.</summary>
    public ConcurrentQueue<long> Completed { get; } = new();

    protected override void OnCheckpointComplete(long checkpointId) => Completed.Enqueue(checkpointId);

    /// <summary>Checkpoints this task was told were aborted, in order.</summary>
    public ConcurrentQueue<long> Aborted { get; } = new();

    protected override void OnCheckpointAborted(long checkpointId) => Aborted.Enqueue(checkpointId);

    protected override int ProcessRecords(long[] records, int start, int end)
    {
        if (start == 0)
        {
            BufferSizes.Enqueue(end);
        }
        for (int i = start; i < end; i++)
        {
            try
            {
                OnRecord?.Invoke(records[i]);
            }
            catch (Exception ex)
            {
                throw Failure(ex, "Probe", records[i]);
            }
            Records.Enqueue(records[i]);
            Interlocked.Increment(ref Processed);
            if (records[i] < FanInJob.TagB)
            {
                _fromA++;
            }
            else
            {
                _fromB++;
            }
            if (InterruptRequested)
            {
                return i + 1;
            }
        }
        return end;
    }

    protected override void OnPriorityEvent(ChannelEvent @event, int channelIndex, long sequence) =>
        OnPriority?.Invoke(this, @event, channelIndex, sequence);

    /// <summary>Input watermarks in order, each with the number of records processed before it.</summary>
    public ConcurrentQueue<(long Watermark, long RecordsBefore)> Watermarks { get; } = new();

    protected override void OnWatermark(long timestamp) => Watermarks.Enqueue((timestamp, Interlocked.Read(ref Processed)));
}

/// <summary>A hand-written source chain that forwards its reader's records to output 0.</summary>
internal sealed class ForwardingSourceTask(TaskContext context, string name, ISource<long> source) : SourceStreamTask<long>(context, name, source)
{
    private ChannelWriter<long> _out = null!;
    private long _emitted;

    /// <summary>Records emitted when each checkpoint's barrier was injected.</summary>
    public ConcurrentDictionary<long, long> EmittedAtCheckpoint { get; } = new();

    protected override void OnCheckpoint(DslFlow.Checkpointing.CheckpointBarrier barrier) => EmittedAtCheckpoint[barrier.CheckpointId] = _emitted;

    protected override void Open()
    {
        base.Open();
        _out = CreateWriter<long>(0);
    }

    protected override int ProcessRecords(long[] records, int start, int end)
    {
        for (int i = start; i < end; i++)
        {
            _out.Emit(records[i]);
            _emitted++;
            if (InterruptRequested)
            {
                return i + 1;
            }
        }
        return end;
    }
}

/// <summary>Endless increasing values starting at a tag, as fast as the task takes them.</summary>
internal sealed class EndlessSource(long tag) : ISource<long>
{
    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(tag);

    private sealed class Reader(long next) : ISourceReader<long>
    {
        public ReadResult Read(Span<long> destination)
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = next++;
            }
            return new ReadResult(destination.Length, ReadStatus.MoreAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public void Dispose()
        {
        }
    }
}

/// <summary>One receiver task over its own gate, fed by the test thread.</summary>
internal sealed class StandaloneProbe : IDisposable
{
    private readonly DedicatedThreadScheduler _thread = new("DslFlow test probe");
    private readonly CancellationTokenSource _cancellation = new();

    /// <param name="channels">The number of input channels.</param>
    /// <param name="options">The options the task runs with.</param>
    /// <param name="checkpointing">What the task takes checkpoints with (null: checkpoints off).</param>
    /// <param name="layout">Where each channel comes from (default: channel i from subtask i of a keyed upstream 'Up').</param>
    public StandaloneProbe(int channels, PipelineOptions options, DslFlow.Checkpointing.TaskCheckpointing? checkpointing = null,
        InputChannelInfo[]? layout = null)
    {
        var graph = new JobGraph("Standalone", 1, 128,
            [new NodeInfo("Probe", NodeKind.Map, "long", "long", 0, null, [])], [], [new ChainInfo("Probe", ["Probe"])]);
        var gate = new InputGate<long>(channels, options.ExclusiveCreditsPerChannel, options.FloatingCreditsPerGate, options.BufferSize);
        layout ??= [.. Enumerable.Range(0, channels).Select(i => new InputChannelInfo("Up", i, EdgePartitioning.Hash))];
        var context = new TaskContext(graph, 0, 0, 1, 128, options, new PipelineContext(options, _cancellation.Token), _cancellation.Token)
        {
            Input = new TaskInput<long>(gate, layout, null, null),
            Checkpointing = checkpointing,
        };
        Task = new ProbeTask(context);
    }

    public ProbeTask Task { get; }

    public InputGate<long> Gate => Task.Gate;

    public void Start() => Task.Start(_thread);

    public void Dispose()
    {
        _cancellation.Cancel();
        try
        {
            Task.Completion.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }
        _thread.Dispose();
        _cancellation.Dispose();
    }
}

internal static class TestLog
{
    public static NullLoggerFactory Factory => NullLoggerFactory.Instance;
}
