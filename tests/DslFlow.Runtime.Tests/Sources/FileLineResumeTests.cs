using System.Text;

namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

/// <summary>A reader resumed at a reported position reads exactly the lines after it: none lost, none repeated.</summary>
public sealed class FileLineResumeTests : IDisposable
{
    private static readonly string[] Lines = ["naïve", "日本語", "emoji 😀 and 👩‍👩‍👧", "", "plain ascii", "", "Ünïcödé end"];

    private static readonly string[] Pieces = ["a", "é", "日", "😀"];

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("\r\n", true)]
    [InlineData("\r\n", false)]
    [InlineData("\n", true)]
    [InlineData("\n", false)]
    public void Resuming_after_every_line_reads_exactly_the_rest(string lineEnd, bool finalLineEnd)
    {
        string text = string.Join(lineEnd, Lines) + (finalLineEnd ? lineEnd : "");
        string path = _dir.Write("multi.txt", text);
        var source = new FileLineSource(path);
        for (int k = 0; k <= Lines.Length; k++)
        {
            using FileLineReader reader = source.CreateReader(Context());
            Assert.Equal(Lines[..k], Read(reader, k));
            FileLinePosition position = reader.Positions.Single();
            Assert.Equal(path, position.Path);
            Assert.Equal(ExpectedOffset(k, lineEnd, text), position.Offset);

            using FileLineReader resumed = source.WithStartPositions([position]).CreateReader(Context());
            Assert.Equal(Lines[k..], ReadAll(resumed));
        }
    }

    [Fact]
    public void Resuming_across_buffer_refills_and_files()
    {
        // Lines of varying length straddle the reader's 64 KB buffer many times; one line alone exceeds it.
        var rng = new Random(42);
        List<string> first = [.. Enumerable.Range(0, 6_000).Select(n => $"{n}:" + string.Concat(Enumerable.Repeat(Pieces[n % 4], rng.Next(0, 40))))];
        first.Insert(3_000, new string('x', 200_000));
        List<string> second = [.. Enumerable.Range(0, 500).Select(n => $"second {n} ü")];
        _dir.Write("1.txt", string.Join("\r\n", first) + "\r\n");
        _dir.Write("2.txt", string.Join("\n", second));
        var source = new FileLineSource(Path.Combine(_dir.Path, "*.txt"));
        List<string> all = [.. first, .. second];

        foreach (int k in new[] { 0, 1, 1_234, 2_999, 3_000, 3_001, 6_000, 6_001, 6_002, 6_250, all.Count })
        {
            using FileLineReader reader = source.CreateReader(Context());
            Assert.Equal(all[..k], Read(reader, k));
            using FileLineReader resumed = source.WithStartPositions(reader.Positions).CreateReader(Context());
            Assert.Equal(all[k..], ReadAll(resumed, batchSize: 1_000));
        }
    }

    [Fact]
    public void Positions_list_every_split_of_the_subtask()
    {
        string a = _dir.Write("a.txt", "a1\na2\n");
        string b = _dir.Write("b.txt", "b1\n");
        string c = _dir.Write("c.txt", "c1\nc2");
        var source = new FileLineSource(_dir.Path);
        FileLineReader reader = source.CreateReader(Context());
        Assert.Equal([new(a, 0), new(b, 0), new(c, 0)], reader.Positions);
        Assert.Equal(["a1", "a2", "b1", "c1"], Read(reader, 4));
        Assert.Equal([new(a, 6), new(b, 3), new(c, 3)], reader.Positions);
        Assert.Empty(Read(reader, 0));
        ReadAll(reader);
        Assert.Equal([new(a, 6), new(b, 3), new(c, 5)], reader.Positions);
        Assert.Empty(ReadAll(source.WithStartPositions(reader.Positions).CreateReader(Context())));
    }

    private static long ExpectedOffset(int k, string lineEnd, string text) =>
        Math.Min(Lines[..k].Sum(line => Encoding.UTF8.GetByteCount(line) + lineEnd.Length), Encoding.UTF8.GetByteCount(text));
}
