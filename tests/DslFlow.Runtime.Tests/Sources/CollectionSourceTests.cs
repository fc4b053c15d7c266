namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

public sealed class CollectionSourceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(12)]
    public void Each_subtask_reads_a_contiguous_range_in_order(int parallelism)
    {
        string[] items = [.. Enumerable.Range(0, 10).Select(n => $"item{n}")];
        var source = new CollectionSource<string>(items);
        var all = new List<string>();
        for (int i = 0; i < parallelism; i++)
        {
            List<string> share = ReadAll(source.CreateReader(Context(i, parallelism)), batchSize: 3);
            Assert.Equal(items[(i * 10 / parallelism)..((i + 1) * 10 / parallelism)], share);
            all.AddRange(share);
        }
        Assert.Equal(items, all);
    }

    [Fact]
    public void The_items_are_materialized_once()
    {
        int enumerations = 0;
        var list = new List<int> { 1, 2, 3 };
        IEnumerable<int> Items()
        {
            enumerations++;
            foreach (int item in list)
            {
                yield return item;
            }
        }
        var source = new CollectionSource<int>(Items());
        list.Add(4);
        Assert.Equal([1, 2, 3], ReadAll(source.CreateReader(Context())));
        Assert.Equal([1, 2, 3], ReadAll(source.CreateReader(Context())));
        Assert.Equal(1, enumerations);
    }

    [Fact]
    public void A_reader_resumes_at_a_reported_index()
    {
        var source = new CollectionSource<char>("abcdefghij");
        CollectionReader<char> reader = source.CreateReader(Context(1, 2));
        Assert.Equal(['f', 'g'], Read(reader, 2));
        Assert.Equal(7, reader.Position);
        Assert.Equal(['h', 'i', 'j'], ReadAll(source.CreateReader(Context(1, 2), reader.Position)));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.CreateReader(Context(1, 2), 3));
    }

    [Fact]
    public void An_empty_collection_ends_at_once()
    {
        Assert.Empty(ReadAll(new CollectionSource<int>([]).CreateReader(Context(0, 3))));
        Assert.Throws<ArgumentNullException>(() => new CollectionSource<int>(null!));
    }
}
