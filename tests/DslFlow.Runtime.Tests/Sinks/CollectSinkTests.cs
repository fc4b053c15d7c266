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
        zero.Flush();

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
        IReadOnlyList<string> snapshot = sink.Results;
        writer.Write(["b"]);
        Assert.Equal(["a"], snapshot);
        Assert.Equal(["a", "b"], sink.Results);
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
