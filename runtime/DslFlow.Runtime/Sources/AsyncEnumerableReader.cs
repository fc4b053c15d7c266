using System.Threading.Channels;

namespace DslFlow;

/// <summary>
/// Pumps one subtask's enumerable on the thread pool into a bounded channel that <see cref="Read"/> drains without
/// blocking. An exception of the enumerable is delivered after the items that preceded it.
/// </summary>
internal sealed class AsyncEnumerableReader<T> : ISourceReader<T>
{
    private readonly Channel<T> _channel;
    private readonly CancellationTokenSource _cancel;

    public AsyncEnumerableReader(Func<NodeContext, CancellationToken, IAsyncEnumerable<T>> factory, NodeContext context, int capacity)
    {
        _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        CancellationToken token = _cancel.Token;
        _ = Task.Run(() => PumpAsync(factory, context, token));
    }

    public ReadResult Read(Span<T> destination)
    {
        ChannelReader<T> reader = _channel.Reader;
        int count = 0;
        while (count < destination.Length && reader.TryRead(out T? item))
        {
            destination[count++] = item;
        }
        if (count == 0 && reader.Completion.IsCompleted)
        {
            reader.Completion.GetAwaiter().GetResult(); // rethrows the enumerable's exception
            return new ReadResult(0, ReadStatus.EndOfInput);
        }
        return new ReadResult(count, count == 0 ? ReadStatus.NothingAvailable : ReadStatus.MoreAvailable);
    }

    public ValueTask WaitForDataAsync(CancellationToken cancellationToken)
    {
        ValueTask<bool> wait = _channel.Reader.WaitToReadAsync(cancellationToken);
        return wait.IsCompletedSuccessfully ? default : new ValueTask(wait.AsTask());
    }

    /// <summary>Stops the pump; it ends at its next await.</summary>
    public void Dispose()
    {
        _cancel.Cancel();
        _cancel.Dispose();
    }

    private async Task PumpAsync(Func<NodeContext, CancellationToken, IAsyncEnumerable<T>> factory, NodeContext context,
        CancellationToken token)
    {
        try
        {
            await foreach (T item in factory(context, token).WithCancellation(token).ConfigureAwait(false))
            {
                await _channel.Writer.WriteAsync(item, token).ConfigureAwait(false);
            }
            _channel.Writer.TryComplete();
        }
        catch (OperationCanceledException ex) when (token.IsCancellationRequested)
        {
            _channel.Writer.TryComplete(ex);
        }
        catch (Exception ex)
        {
            _channel.Writer.TryComplete(ex);
        }
    }
}
