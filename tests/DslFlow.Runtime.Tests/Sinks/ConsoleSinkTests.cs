using DslFlow.Runtime.Tests.Sources;

namespace DslFlow.Runtime.Tests.Sinks;

public sealed class ConsoleSinkTests
{
    [Fact]
    public void One_line_per_record_without_prefix_at_parallelism_one()
    {
        var output = new StringWriter { NewLine = "\n" };
        using ISinkWriter<int?> writer = new ConsoleSink<int?>(output: output).CreateWriter(SourceTestKit.Context());
        writer.Write([1, null, 3]);
        writer.Flush();
        Assert.Equal("1\nnull\n3\n", output.ToString());
    }

    [Fact]
    public void Lines_carry_the_subtask_prefix_at_higher_parallelism_and_use_the_format()
    {
        var output = new StringWriter { NewLine = "\n" };
        var sink = new ConsoleSink<(string Word, int Count)>(r => $"{r.Word}={r.Count}", output);
        using ISinkWriter<(string, int)> zero = sink.CreateWriter(SourceTestKit.Context(0, 2));
        using ISinkWriter<(string, int)> one = sink.CreateWriter(SourceTestKit.Context(1, 2));
        one.Write([("a", 1)]);
        zero.Write([("b", 2), ("c", 3)]);
        Assert.Equal("1> a=1\n0> b=2\n0> c=3\n", output.ToString());
    }

    [Fact]
    public async Task Concurrent_subtasks_never_interleave_within_a_line()
    {
        var output = new StringWriter { NewLine = "\n" };
        var sink = new ConsoleSink<string>(output: output);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(i => Task.Run(() =>
        {
            ISinkWriter<string> writer = sink.CreateWriter(SourceTestKit.Context(i, 3));
            for (int b = 0; b < 500; b++)
            {
                writer.Write([new string((char)('a' + i), 20), new string((char)('a' + i), 20)]);
            }
        })));
        string[] lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3_000, lines.Length);
        Assert.All(lines, line => Assert.Equal($"{line[0]}> {new string((char)('a' + line[0] - '0'), 20)}", line));
    }
}
