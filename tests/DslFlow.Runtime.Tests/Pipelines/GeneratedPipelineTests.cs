using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Pipelines;

public class GeneratedPipelineTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Every_node_kind_runs_fused_at_any_parallelism(int parallelism)
    {
        AllKindsPipeline.Input = Enumerable.Range(0, 5_000).ToArray();
        AllKindsPipeline.Output = new CollectSink<string>();

        JobResult result = await AllKindsPipeline.RunAsync(new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 64 });

        Assert.Equal(AllKindsPipeline.Expected(AllKindsPipeline.Input).Order(), AllKindsPipeline.Output.Results.Order());
        Assert.Single(AllKindsPipeline.Graph.Chains); // the whole pipeline is one fused task
        Assert.Equal(parallelism, result.Progress.Tasks.Count);
        Assert.Equal(5_000, result.Progress.SourceRecords);
    }

    [Fact]
    public async Task Fan_in_completes_only_after_every_upstream_finished_and_fan_out_copies_to_every_sink()
    {
        FanInFanOutPipeline.First = new CollectSink<long>();
        FanInFanOutPipeline.Second = new CollectSink<long>();

        await FanInFanOutPipeline.RunAsync(new PipelineOptions { DefaultParallelism = 2, BufferSize = 16 });

        long[] all = Enumerable.Range(0, 2 * (int)FanInFanOutPipeline.Count).Select(i => (long)i).ToArray();
        Assert.Equal(all, FanInFanOutPipeline.First.Results.Order());
        Assert.Equal(all, FanInFanOutPipeline.Second.Results.Order());
        EdgeInfo[] edges = FanInFanOutPipeline.Graph.Edges.ToArray();
        Assert.Contains(edges, e => e is { From: "Fast", To: "Identity", Chained: false });
        Assert.Contains(edges, e => e is { From: "Identity", To: "ToFirst", Chained: true });
        Assert.Contains(edges, e => e is { From: "Identity", To: "ToSecond", Chained: true });
    }

    [Fact]
    public async Task Rebalance_spreads_over_every_subtask_and_broadcast_copies_to_each()
    {
        RedistributionPipeline.Rebalanced = new CollectSink<long>();
        RedistributionPipeline.Broadcasted = new CollectSink<long>();

        await RedistributionPipeline.RunAsync(new PipelineOptions { BufferSize = 32 });

        long[] all = Enumerable.Range(0, 10_000).Select(i => (long)i).ToArray();
        Assert.Equal(all, RedistributionPipeline.Rebalanced.Results.Order());
        Assert.All(Enumerable.Range(0, 3), s => Assert.InRange(RedistributionPipeline.Rebalanced.ResultsOf(s).Count, 3_000, 3_700));
        Assert.Equal(all, RedistributionPipeline.Broadcasted.ResultsOf(0).Order());
        Assert.Equal(all, RedistributionPipeline.Broadcasted.ResultsOf(1).Order());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Each_key_reaches_exactly_the_subtask_its_key_group_names_and_counts_in_keyed_state(int parallelism)
    {
        var random = new Random(42);
        string[] keys = Enumerable.Range(0, 300).Select(i => $"user-{i}").ToArray();
        KeyedCountPipeline.Input = Enumerable.Range(0, 20_000).Select(i => (keys[random.Next(keys.Length)], i)).ToArray();
        KeyedCountPipeline.Output = new CollectSink<(string Key, long Count)>();

        await KeyedCountPipeline.RunAsync(new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 100 });

        int maxParallelism = KeyedCountPipeline.Graph.MaxParallelism;
        for (int subtask = 0; subtask < parallelism; subtask++)
        {
            foreach ((string key, _) in KeyedCountPipeline.Output.ResultsOf(subtask))
            {
                int expected = KeyGroups.SubtaskOf(KeyGroups.Assign(StableHash.Of(key), maxParallelism), parallelism, maxParallelism);
                Assert.Equal(expected, subtask);
            }
        }
        var occurrences = KeyedCountPipeline.Input.GroupBy(e => e.Key).ToDictionary(g => g.Key, g => (long)g.Count());
        var outputs = KeyedCountPipeline.Output.Results.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Select(r => r.Count).ToArray());
        Assert.Equal(occurrences.Keys.Order(), outputs.Keys.Order());
        foreach ((string key, long n) in occurrences)
        {
            Assert.Equal(Enumerable.Range(1, (int)n).Select(i => (long)i), outputs[key]); // counts in order, per key
        }
    }

    [Fact]
    public async Task List_and_map_state_are_kept_per_composite_key()
    {
        ListMapStatePipeline.Input = [(1, "ann", 10), (2, "ann", 3), (1, "ann", 5), (1, "bob", 2), (1, "ann", 8), (1, "ann", 1)];
        ListMapStatePipeline.Output = new CollectSink<string>();

        await ListMapStatePipeline.RunAsync(new PipelineOptions { DefaultParallelism = 1 });

        Assert.Equal(
            [
                "1/ann: last [10] even 1 odd 0",
                "2/ann: last [3] even 0 odd 1",
                "1/ann: last [10,5] even 1 odd 1",
                "1/bob: last [2] even 1 odd 0",
                "1/ann: last [10,5,8] even 2 odd 1",
                "1/ann: last [5,8,1] even 2 odd 2",
            ],
            ListMapStatePipeline.Output.Results);
    }

    [Fact]
    public async Task A_failing_node_fails_the_job_naming_node_subtask_and_record_and_leaves_no_thread()
    {
        int threadsBefore = DedicatedThreadScheduler.LiveThreads;
        ThrowingPipeline.Poison = 777;

        var failure = await Assert.ThrowsAsync<PipelineExecutionException>(() => ThrowingPipeline.RunAsync());

        Assert.Equal("Check", failure.NodeName);
        Assert.Equal("777", failure.Record);
        Assert.Equal(0, failure.SubtaskIndex); // 777 lies in subtask 0's half of the sequence
        Assert.Contains("Node 'Check' (subtask 0 of parallelism 2) failed on record 777: FormatException: cannot handle 777", failure.Message);
        Assert.Equal(threadsBefore, DedicatedThreadScheduler.LiveThreads);
    }

    [Fact]
    public async Task A_slow_sink_bounds_the_records_in_flight_and_cancellation_stops_the_job()
    {
        int threadsBefore = DedicatedThreadScheduler.LiveThreads;
        var options = new PipelineOptions { BufferSize = 32, ExclusiveCreditsPerChannel = 2, FloatingCreditsPerGate = 2 };
        using var cancel = new CancellationTokenSource();
        JobHandle job = SlowSinkPipeline.Start(options, cancel.Token);
        // credits + one buffer in the sender's backlog + the one being filled + the receiver's current one + the sink batch
        long bound = (options.ExclusiveCreditsPerChannel + options.FloatingCreditsPerGate + 4) * (long)options.BufferSize;
        Eventually.True(() => job.GetProgress().SinkRecords > 10 * options.BufferSize, "records reach the sink");
        for (int i = 0; i < 100; i++)
        {
            // Read consumed, sent, consumed: sent lies between the two readings of a counter that only grows.
            long consumedBefore = job.GetProgress().Tasks.Where(t => !t.IsSource).Sum(t => t.RecordsIn);
            long sentBySource = job.GetProgress().Tasks.Where(t => t.IsSource).Sum(t => t.RecordsOut);
            long consumedAfter = job.GetProgress().Tasks.Where(t => !t.IsSource).Sum(t => t.RecordsIn);
            Assert.True(sentBySource >= consumedBefore, "the sink consumed records the source had not sent");
            Assert.InRange(sentBySource - consumedAfter, long.MinValue, bound);
            Thread.Sleep(2);
        }

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion);
        Assert.Equal(threadsBefore, DedicatedThreadScheduler.LiveThreads);
    }
}
