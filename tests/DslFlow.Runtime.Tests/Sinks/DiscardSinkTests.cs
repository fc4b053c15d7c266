using DslFlow.Runtime.Tests.Sources;

namespace DslFlow.Runtime.Tests.Sinks;

public sealed class DiscardSinkTests
{
    [Fact]
    public async Task Counts_records_of_all_subtasks()
    {
        var sink = new DiscardSink<string>();
        Assert.Equal(0, sink.Count);
        var batch = new string[100];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            using ISinkWriter<string> writer = sink.CreateWriter(SourceTestKit.Context(i, 4));
            for (int b = 0; b < 1_000; b++)
            {
                writer.Write(batch);
            }
            writer.Flush();
        })));
        Assert.Equal(400_000, sink.Count);
    }
}
