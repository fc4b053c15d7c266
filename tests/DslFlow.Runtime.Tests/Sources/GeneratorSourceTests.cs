namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

public sealed class GeneratorSourceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Bounded_records_are_split_like_the_sequence(int parallelism)
    {
        var source = new GeneratorSource<string>(n => $"r{n}", 100);
        var all = new List<string>();
        for (int i = 0; i < parallelism; i++)
        {
            List<string> share = ReadAll(source.CreateReader(Context(i, parallelism)));
            List<long> indices = ReadAll(new SequenceSource(0, 100).CreateReader(Context(i, parallelism)));
            Assert.Equal(indices.Select(n => $"r{n}"), share);
            all.AddRange(share);
        }
        Assert.Equal(Enumerable.Range(0, 100).Select(n => $"r{n}"), all);
    }

    [Fact]
    public void Unbounded_records_are_striped()
    {
        var source = GeneratorSource<long>.Unbounded(n => n * n);
        Assert.Equal([1L, 16L, 49L, 100L], Read(source.CreateReader(Context(1, 3)), 4));
    }

    [Fact]
    public void A_reader_resumes_at_a_reported_position()
    {
        var source = new GeneratorSource<string>(n => $"r{n}", 50);
        GeneratorReader<string> reader = source.CreateReader(Context(1, 2));
        List<string> head = Read(reader, 9);
        List<string> tail = ReadAll(source.CreateReader(Context(1, 2), reader.Position));
        Assert.Equal(Enumerable.Range(25, 25).Select(n => $"r{n}"), head.Concat(tail));
        Assert.Equal(34, reader.Position);
    }

    [Fact]
    public void Invalid_arguments_explain_the_fix()
    {
        Assert.Throws<ArgumentNullException>(() => new GeneratorSource<int>(null!, 1));
        Assert.Throws<ArgumentNullException>(() => GeneratorSource<int>.Unbounded(null!));
        var count = Assert.Throws<ArgumentOutOfRangeException>(() => new GeneratorSource<int>(n => 0, -1));
        Assert.Contains("Unbounded", count.Message);
        var rate = Assert.Throws<ArgumentOutOfRangeException>(() => new GeneratorSource<int>(n => 0, 1) { RecordsPerSecond = double.PositiveInfinity });
        Assert.Contains("GeneratorSource.RecordsPerSecond", rate.Message);
    }

    [Fact]
    public void An_exception_of_the_generator_surfaces_from_read()
    {
        var source = new GeneratorSource<int>(n => n < 3 ? (int)n : throw new InvalidOperationException("bad index"), 10);
        var ex = Assert.Throws<InvalidOperationException>(() => ReadAll(source.CreateReader(Context())));
        Assert.Equal("bad index", ex.Message);
    }
}
