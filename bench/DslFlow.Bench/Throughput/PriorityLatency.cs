using System.Diagnostics;
using DslFlow.Channels;
using DslFlow.Execution;
using DslFlow.Bench.Harness;

namespace DslFlow.Bench.Throughput;

/// <summary>
/// How long a priority event waits when the receiving task's input channels are full and its operator takes 1 ms
/// per record: it should be seen after the current record, not after the queued buffers.
/// </summary>
internal static class PriorityLatency
{
    private static readonly JobGraph Graph = new("PriorityLatency", 1, 128,
        [new NodeInfo("Source", NodeKind.Source, null, "long", 0, null, []), new NodeInfo("Slow", NodeKind.Map, "long", "long", 0, null, [])],
        [new EdgeInfo("Source", "Slow", EdgePartitioning.Auto, false)],
        [new ChainInfo("Source", ["Source"]), new ChainInfo("Slow", ["Slow"])]);

    public static double MedianMilliseconds(int samples)
    {
        SlowTask? slow = null;
        JobHandle job = JobRunner.Start(Graph, new PipelineOptions { BufferSize = 64 }, CancellationToken.None, b =>
        {
            SequenceSource source = b.CreateNode("Source", _ => SequenceSource.Unbounded());
            b.SetChain(0, ChainFactory.Source(ctx => new ForwardTask(ctx, source)));
            b.SetChain(1, ChainFactory.OneInput<long>(ctx => slow = new SlowTask(ctx)));
        });
        InputChannel<long> channel = slow!.Gate.Channels[0];
        var latencies = new List<double>();
        for (int i = 0; i < samples; i++)
        {
            SpinWait.SpinUntil(() => channel.HasBacklog); // input channels full: the sender waits for credit
            slow.Seen.Reset();
            long sent = Stopwatch.GetTimestamp();
            channel.SendPriorityEvent(new PriorityProbe());
            slow.Seen.Wait();
            latencies.Add(Stopwatch.GetElapsedTime(sent, slow.SeenAt).TotalMilliseconds);
        }
        job.Cancel();
        try
        {
            job.Completion.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
        }
        return Measure.Median(latencies);
    }

    private sealed class PriorityProbe : ChannelEvent
    {
    }

    private sealed class ForwardTask(TaskContext context, ISource<long> source) : SourceStreamTask<long>(context, "Source", source)
    {
        private ChannelWriter<long> _out = null!;

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
                if (InterruptRequested)
                {
                    return i + 1;
                }
            }
            return end;
        }
    }

    private sealed class SlowTask(TaskContext context) : OneInputStreamTask<long>(context)
    {
        public ManualResetEventSlim Seen { get; } = new();

        public long SeenAt { get; private set; }

        protected override int ProcessRecords(long[] records, int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                long until = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 1000; // 1 ms of work per record
                while (Stopwatch.GetTimestamp() < until)
                {
                }
                if (InterruptRequested)
                {
                    return i + 1;
                }
            }
            return end;
        }

        protected override void OnPriorityEvent(ChannelEvent @event, int channelIndex, long sequence)
        {
            SeenAt = Stopwatch.GetTimestamp();
            Seen.Set();
        }
    }
}
