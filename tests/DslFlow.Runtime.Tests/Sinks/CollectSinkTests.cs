using DslFlow.Runtime.Tests.Sources;

namespace DslFlow.Runtime.Tests.Sinks;

public sealed class CollectSinkTests
{
    [Fact]
    public void Results_are_in_subtask_order_then_arrival_order()
    {
        var sink = new CollectSink<int>();
        using ISinkWriter<int> two = sink.CreateWriter(SourceTestKit.Context(2, 3));
        using ISinkWriter<int> zero = sink.CreateWriter(SourceTestKit.Context(0, 3));
        two.Write([20, 21]);
        zero.Write([0]);
        two.Write([22]);
        zero.Write([1, 2]);
        zero.Flush(); // without checkpoints, records become visible at the end of input
        Assert.Equal([0, 1, 2], sink.Results);
        two.Flush();

        Assert.Equal([0, 1, 2, 20, 21, 22], sink.Results);
        Assert.Equal([20, 21, 22], sink.ResultsOf(2));
        Assert.Empty(sink.ResultsOf(1));
        Assert.Empty(sink.ResultsOf(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => sink.ResultsOf(-1));
    }

    [Fact]
    public void Results_is_a_snapshot()
    {
        var sink = new CollectSink<string>();
        ISinkWriter<string> writer = sink.CreateWriter(SourceTestKit.Context());
        writer.Write(["a"]);
        writer.Flush();
        IReadOnlyList<string> snapshot = sink.Results;
        writer.Write(["b"]);
        writer.Flush();
        Assert.Equal(["a"], snapshot);
        Assert.Equal(["a", "b"], sink.Results);
    }

    [Fact]
    public void With_checkpoints_records_are_visible_only_after_the_commit_of_the_checkpoint_that_sealed_them()
    {
        var sink = new CollectSink<int>();
        var options = new PipelineOptions();
        var writer = (ITwoPhaseCommitWriter<int>)sink.CreateWriter(
            new NodeContext("Out", 0, 1, options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None, checkpointsEnabled: true));
        writer.Write([1, 2]);
        writer.PreCommit(1);
        writer.Write([3]);
        writer.PreCommit(2);
        writer.Write([4]);
        writer.Flush(); // end of input does not commit: the final checkpoint will
        Assert.Empty(sink.Results);

        writer.Commit(1);
        Assert.Equal([1, 2], sink.Results);
        writer.Commit(3); // commits every sealed transaction up to it (2 was aborted, say)
        Assert.Equal([1, 2, 3], sink.Results);
        writer.Dispose(); // the open transaction [4] dies with the writer: the source replays it
        Assert.Equal([1, 2, 3], sink.Results);
    }

    [Fact]
    public async Task Concurrent_subtasks_lose_nothing()
    {
        var sink = new CollectSink<long>();
        const int Parallelism = 4;
        const int Batches = 2_000;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(i => Task.Run(() =>
        {
            ISinkWriter<long> writer = sink.CreateWriter(SourceTestKit.Context(i, Parallelism));
            for (int b = 0; b < Batches; b++)
            {
                writer.Write([i, b]);
                writer.Flush();
                _ = sink.Results.Count;
            }
        })));
        Assert.Equal(Parallelism * Batches * 2, sink.Results.Count);
        for (int i = 0; i < Parallelism; i++)
        {
            IReadOnlyList<long> records = sink.ResultsOf(i);
            Assert.Equal(Enumerable.Range(0, Batches).Select(b => (long)b), records.Where((_, k) => k % 2 == 1));
        }
    }
}
