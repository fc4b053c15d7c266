namespace DslFlow.Runtime.Tests.Sources;

using static SourceTestKit;

public sealed class AsyncEnumerableSourceTests
{
    [Fact]
    public async Task Each_subtask_reads_its_own_enumerable()
    {
        var source = new AsyncEnumerableSource<int>((context, ct) => Numbers(context.SubtaskIndex * 100, 50, ct));
        using ISourceReader<int> first = source.CreateReader(Context(0, 2));
        using ISourceReader<int> second = source.CreateReader(Context(1, 2));
        Assert.Equal(Enumerable.Range(0, 50), await ReadAllAsync(first));
        Assert.Equal(Enumerable.Range(100, 50), await ReadAllAsync(second));
    }

    [Fact]
    public async Task A_small_capacity_still_delivers_everything_in_order()
    {
        var source = new AsyncEnumerableSource<int>((_, ct) => Numbers(0, 1_000, ct)) { Capacity = 3 };
        using ISourceReader<int> reader = source.CreateReader(Context());
        Assert.Equal(Enumerable.Range(0, 1_000), await ReadAllAsync(reader, batchSize: 16));
    }

    [Fact]
    public async Task From_wraps_one_enumerable_for_parallelism_one()
    {
        var source = AsyncEnumerableSource<int>.From(Numbers(5, 3, CancellationToken.None));
        using ISourceReader<int> reader = source.CreateReader(Context());
        Assert.Equal([5, 6, 7], await ReadAllAsync(reader));
    }

    [Fact]
    public void From_rejects_parallelism_above_one_with_the_fix()
    {
        var source = AsyncEnumerableSource<int>.From(Numbers(0, 1, CancellationToken.None));
        var ex = Assert.Throws<InvalidOperationException>(() => source.CreateReader(Context(1, 2)));
        Assert.Contains("parallelism 1, not 2", ex.Message);
        Assert.Contains("'n'", ex.Message);
    }

    [Fact]
    public async Task An_exception_surfaces_after_the_records_before_it()
    {
        var source = new AsyncEnumerableSource<int>((_, _) => Failing());
        using ISourceReader<int> reader = source.CreateReader(Context());
        var received = new List<int>();
        var buffer = new int[8];
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            while (true)
            {
                ReadResult result = reader.Read(buffer);
                received.AddRange(buffer.AsSpan(0, result.Count));
                if (result.Status == ReadStatus.NothingAvailable)
                {
                    await reader.WaitForDataAsync(CancellationToken.None);
                }
            }
        });
        Assert.Equal("enumeration failed", ex.Message);
        Assert.Equal([1, 2], received);
    }

    [Fact]
    public async Task A_factory_exception_surfaces_too()
    {
        var source = new AsyncEnumerableSource<int>((_, _) => throw new ArgumentException("no enumerable"));
        using ISourceReader<int> reader = source.CreateReader(Context());
        await Assert.ThrowsAsync<ArgumentException>(() => ReadAllAsync(reader));
    }

    [Fact]
    public async Task Dispose_cancels_the_pump()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new AsyncEnumerableSource<int>((_, ct) => Endless(stopped, ct)) { Capacity = 2 };
        ISourceReader<int> reader = source.CreateReader(Context());
        await reader.WaitForDataAsync(CancellationToken.None);
        reader.Dispose();
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Invalid_arguments_explain_the_fix()
    {
        Assert.Throws<ArgumentNullException>(() => new AsyncEnumerableSource<int>(null!));
        Assert.Throws<ArgumentNullException>(() => AsyncEnumerableSource<int>.From(null!));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new AsyncEnumerableSource<int>((_, ct) => Numbers(0, 1, ct)) { Capacity = 0 });
        Assert.Contains("at least 1", ex.Message);
    }

    private static async IAsyncEnumerable<int> Numbers(int from, int count,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        for (int i = 0; i < count; i++)
        {
            if (i % 10 == 0)
            {
                await Task.Yield();
            }
            ct.ThrowIfCancellationRequested();
            yield return from + i;
        }
    }

    private static async IAsyncEnumerable<int> Failing()
    {
        yield return 1;
        await Task.Yield();
        yield return 2;
        throw new InvalidOperationException("enumeration failed");
    }

    private static async IAsyncEnumerable<int> Endless(TaskCompletionSource stopped,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        try
        {
            for (int i = 0; ; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
        finally
        {
            stopped.TrySetResult();
        }
    }
}
