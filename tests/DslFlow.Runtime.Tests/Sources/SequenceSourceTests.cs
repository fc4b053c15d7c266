namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

public sealed class SequenceSourceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Bounded_split_covers_every_value_once_in_contiguous_increasing_ranges(int parallelism)
    {
        var source = new SequenceSource(-5, 1_000);
        var all = new List<long>();
        for (int i = 0; i < parallelism; i++)
        {
            List<long> share = ReadAll(source.CreateReader(Context(i, parallelism)));
            long start = -5 + (i * 1_005L / parallelism);
            long end = -5 + ((i + 1) * 1_005L / parallelism);
            Assert.Equal(Range(start, end), share);
            all.AddRange(share);
        }
        Assert.Equal(Range(-5, 1_000), all);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Small_ranges_leave_some_subtasks_empty_but_lose_nothing(int parallelism)
    {
        var source = new SequenceSource(10, 13);
        IEnumerable<long> all = Enumerable.Range(0, parallelism)
            .SelectMany(i => ReadAll(source.CreateReader(Context(i, parallelism))));
        Assert.Equal([10L, 11L, 12L], all);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Unbounded_split_stripes_values_by_subtask(int parallelism)
    {
        var source = SequenceSource.Unbounded(100);
        var seen = new List<long>();
        for (int i = 0; i < parallelism; i++)
        {
            SequenceReader reader = source.CreateReader(Context(i, parallelism));
            List<long> values = Read(reader, 50);
            Assert.Equal(Enumerable.Range(0, 50).Select(k => 100L + i + ((long)k * parallelism)), values);
            Assert.Equal(100L + i + (50L * parallelism), reader.Position);
            seen.AddRange(values);
        }
        Assert.Equal(Range(100, 100 + (50L * parallelism)), seen.Order());
    }

    [Fact]
    public void Unbounded_sequence_ends_at_long_max_value()
    {
        var source = SequenceSource.Unbounded(long.MaxValue - 4);
        Assert.Equal([long.MaxValue - 4, long.MaxValue - 2, long.MaxValue], ReadAll(source.CreateReader(Context(0, 2))));
        Assert.Equal([long.MaxValue - 3, long.MaxValue - 1], ReadAll(source.CreateReader(Context(1, 2))));
    }

    [Fact]
    public void The_whole_long_range_splits_without_overflow()
    {
        IndexRange[] shares = [.. Enumerable.Range(0, 3).Select(i => IndexRange.ForSubtask(long.MinValue, long.MaxValue, i, 3))];
        Assert.Equal(long.MinValue, shares[0].First);
        Assert.Equal(shares[0].End, shares[1].First);
        Assert.Equal(shares[1].End, shares[2].First);
        Assert.Equal(long.MaxValue, shares[2].End);
        Assert.Equal(ulong.MaxValue, shares.Aggregate(0UL, (sum, s) => sum + s.Count));
    }

    [Fact]
    public void Empty_range_ends_at_once()
    {
        ReadResult result = new SequenceSource(3, 3).CreateReader(Context()).Read(new long[8]);
        Assert.Equal(new ReadResult(0, ReadStatus.EndOfInput), result);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void A_reader_resumes_at_a_reported_position(int parallelism)
    {
        foreach (SequenceSource source in new[] { new SequenceSource(0, 100), SequenceSource.Unbounded(0) })
        {
            for (int i = 0; i < parallelism; i++)
            {
                SequenceReader first = source.CreateReader(Context(i, parallelism));
                List<long> expected = Read(first, 30);
                SequenceReader before = source.CreateReader(Context(i, parallelism));
                List<long> head = Read(before, 11);
                SequenceReader resumed = source.CreateReader(Context(i, parallelism), before.Position);
                Assert.Equal(expected, head.Concat(Read(resumed, 30 - head.Count)));
            }
        }
    }

    [Fact]
    public void Resuming_at_the_end_position_reads_nothing()
    {
        var source = new SequenceSource(0, 10);
        SequenceReader reader = source.CreateReader(Context(1, 2));
        ReadAll(reader);
        Assert.True(reader.IsEnded);
        Assert.Equal(10, reader.Position);
        Assert.Empty(ReadAll(source.CreateReader(Context(1, 2), reader.Position)));
    }

    [Theory]
    [InlineData(4L)]   // before subtask 1's share [5, 10)
    [InlineData(11L)]  // past its end
    public void A_position_outside_the_share_is_rejected_with_the_valid_positions(long position)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => new SequenceSource(0, 10).CreateReader(Context(1, 2), position));
        Assert.Contains("5 to 10", ex.Message);
        Assert.Contains("subtask 1 of parallelism 2", ex.Message);
    }

    [Fact]
    public void A_position_off_the_stripe_is_rejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => SequenceSource.Unbounded(0).CreateReader(Context(1, 3), 5));
        Assert.Contains("1 + k × 3", ex.Message);
    }

    [Fact]
    public void Invalid_arguments_explain_the_fix()
    {
        var range = Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceSource(5, 4));
        Assert.Contains("Unbounded", range.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceSource(0, 1) { RecordsPerSecond = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequenceSource(0, 1) { RecordsPerSecond = double.NaN });
        var rate = Assert.Throws<ArgumentOutOfRangeException>(() => SequenceSource.Unbounded(recordsPerSecond: -1));
        Assert.Contains("SequenceSource.RecordsPerSecond", rate.Message);
    }

    [Fact]
    public void The_reader_fills_whole_batches()
    {
        var buffer = new long[1024];
        ReadResult result = new SequenceSource(0, 5_000).CreateReader(Context()).Read(buffer);
        Assert.Equal(new ReadResult(1024, ReadStatus.MoreAvailable), result);
        Assert.Equal(1023, buffer[^1]);
    }

    private static List<long> Range(long from, long toExclusive)
    {
        var values = new List<long>();
        for (long v = from; v < toExclusive; v++)
        {
            values.Add(v);
        }
        return values;
    }
}
