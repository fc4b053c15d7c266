using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

public sealed class RateLimitTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task The_rate_is_divided_among_subtasks_and_measured_on_the_time_provider()
    {
        // 20 records/s over 2 subtasks: 10/s each, one token at the start, at most one second's worth stored.
        var source = SequenceSource.Unbounded(recordsPerSecond: 20);
        SequenceReader reader = source.CreateReader(Context(1, 2, new PipelineOptions { TimeProvider = _time }));
        var buffer = new long[100];

        Assert.Equal(new ReadResult(1, ReadStatus.NothingAvailable), reader.Read(buffer));
        Assert.Equal(new ReadResult(0, ReadStatus.NothingAvailable), reader.Read(buffer));

        ValueTask wait = reader.WaitForDataAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await wait;
        Assert.Equal(new ReadResult(1, ReadStatus.NothingAvailable), reader.Read(buffer));
        Assert.Equal(3, buffer[0]);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, reader.Read(buffer).Count);
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(10, reader.Read(buffer).Count); // the bucket holds one second's worth, no more
    }

    [Fact]
    public void Over_time_the_reader_emits_the_configured_rate()
    {
        var source = new GeneratorSource<string>(n => $"r{n}", 1_000) { RecordsPerSecond = 10 };
        GeneratorReader<string> reader = source.CreateReader(Context(options: new PipelineOptions { TimeProvider = _time }));
        var buffer = new string[64];
        int total = reader.Read(buffer).Count;
        for (int step = 0; step < 40; step++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(50));
            total += reader.Read(buffer).Count;
        }
        Assert.Equal(1 + 20, total); // the first token plus 2 s × 10/s
        Assert.Equal(21, reader.Position);
    }

    [Fact]
    public void A_batch_never_exceeds_the_tokens_or_the_destination()
    {
        var source = new SequenceSource(0, 100) { RecordsPerSecond = 1_000 };
        SequenceReader reader = source.CreateReader(Context(options: new PipelineOptions { TimeProvider = _time }));
        reader.Read(new long[1]);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new ReadResult(8, ReadStatus.MoreAvailable), reader.Read(new long[8]));
        Assert.Equal(new ReadResult(91, ReadStatus.EndOfInput), reader.Read(new long[500]));
        Assert.True(reader.WaitForDataAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task Waiting_is_cancellable()
    {
        var source = SequenceSource.Unbounded(recordsPerSecond: 1);
        SequenceReader reader = source.CreateReader(Context(options: new PipelineOptions { TimeProvider = _time }));
        reader.Read(new long[4]);
        using var cancel = new CancellationTokenSource();
        ValueTask wait = reader.WaitForDataAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
    }
}
