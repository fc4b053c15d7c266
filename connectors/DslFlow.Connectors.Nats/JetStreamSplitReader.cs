using System.Threading.Channels;
using DslFlow.Serialization;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// Reads one subject of a <see cref="JetStreamSource{T}"/>. A pump on the thread pool fetches batches from an ordered
/// consumer of its own (ephemeral, one filter subject, no acknowledgements) and hands decoded records to the subtask
/// through a bounded buffer; the position is the stream sequence after the last record the subtask took, so a
/// checkpoint never counts a record that was only fetched. When the consumer goes away (a server restart drops it) or
/// a fetch fails, a new consumer resumes at that sequence; messages delivered twice around the reset are dropped by
/// their sequence.
/// </summary>
internal sealed class JetStreamSplitReader<T> : ISourceReader<T>, ICheckpointedReader
{
    private static readonly TimeSpan FetchWait = TimeSpan.FromSeconds(1);
    private readonly JetStreamSource<T> _source;
    private readonly INatsJSContext _js;
    private readonly NodeContext _context;
    private readonly string _subject;
    private readonly ulong _end;
    private readonly Channel<(T Record, ulong Sequence)> _buffer;
    private readonly CancellationTokenSource _stop;
    private readonly Task _pump;
    private ulong _next;
    private volatile string? _consumer; // the pump's current consumer, deleted with the reader

    public JetStreamSplitReader(JetStreamSource<T> source, INatsJSContext js, JetStreamPosition position, NodeContext context)
    {
        _source = source;
        _js = js;
        _context = context;
        _subject = position.Subject;
        _end = position.End;
        _next = position.Next;
        _buffer = Channel.CreateBounded<(T, ulong)>(new BoundedChannelOptions(source.Prefetch) { SingleReader = true, SingleWriter = true });
        _stop = CancellationTokenSource.CreateLinkedTokenSource(context.Cancellation);
        _pump = _next > _end ? Complete() : Task.Run(() => PumpAsync(_next, _stop.Token));
    }

    public ReadResult Read(Span<T> destination)
    {
        int count = 0;
        while (count < destination.Length && _buffer.Reader.TryRead(out (T Record, ulong Sequence) item))
        {
            destination[count++] = item.Record;
            _next = item.Sequence + 1;
        }
        if (count == destination.Length)
        {
            return new ReadResult(count, ReadStatus.MoreAvailable);
        }
        if (count == 0 && _buffer.Reader.Completion.IsCompleted)
        {
            _buffer.Reader.Completion.GetAwaiter().GetResult(); // rethrows what stopped the pump (an undecodable payload)
            return new ReadResult(0, ReadStatus.EndOfInput);
        }
        return new ReadResult(count, ReadStatus.NothingAvailable);
    }

    public async ValueTask WaitForDataAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // the pump failed: the next Read reports it
        }
    }

    public void WritePosition(ref StateWriter writer) => new JetStreamPosition(_subject, _next, _end).Write(ref writer);

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
        if (_consumer is { } consumer)
        {
            try
            {
                Task.Run(() => _js.DeleteConsumerAsync(_source.Stream, consumer).AsTask()).Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // gone already, or the server is away: its inactivity threshold removes it
            }
        }
        _source.ReleaseConnection();
    }

    private Task Complete()
    {
        _buffer.Writer.TryComplete();
        return Task.CompletedTask;
    }

    private async Task PumpAsync(ulong next, CancellationToken stop)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(100);
        while (!stop.IsCancellationRequested)
        {
            string name = $"dslflow_{Guid.NewGuid():N}";
            _consumer = name;
            try
            {
                INatsJSConsumer consumer = await _js.CreateOrUpdateConsumerAsync(_source.Stream, new ConsumerConfig
                {
                    Name = name,
                    FilterSubject = _subject,
                    DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                    OptStartSeq = next,
                    AckPolicy = ConsumerConfigAckPolicy.None,
                    InactiveThreshold = TimeSpan.FromSeconds(30), // the server removes it should this process vanish
                    MemStorage = true,
                    NumReplicas = 1,
                }, stop).ConfigureAwait(false);
                while (true)
                {
                    int fetched = 0;
                    await foreach (NatsJSMsg<byte[]> message in consumer.FetchAsync<byte[]>(
                        new NatsJSFetchOpts { MaxMsgs = Math.Min(_source.Prefetch, 1024), Expires = FetchWait }, cancellationToken: stop).ConfigureAwait(false))
                    {
                        ulong sequence = message.Metadata?.Sequence.Stream ?? throw new InvalidOperationException("a message without JetStream metadata");
                        if (sequence < next)
                        {
                            continue; // delivered again after a reset
                        }
                        if (sequence > _end)
                        {
                            _buffer.Writer.TryComplete();
                            return;
                        }
                        T record = Decode(message.Data, sequence);
                        await _buffer.Writer.WriteAsync((record, sequence), stop).ConfigureAwait(false);
                        next = sequence + 1;
                        fetched++;
                        if (sequence == _end)
                        {
                            _buffer.Writer.TryComplete();
                            return;
                        }
                    }
                    backoff = TimeSpan.FromMilliseconds(100);
                    if (fetched == 0)
                    {
                        await consumer.RefreshAsync(stop).ConfigureAwait(false); // throws when the server lost the consumer
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (FormatException ex)
            {
                _buffer.Writer.TryComplete(new InvalidDataException(ex.Message, ex));
                return;
            }
            catch (Exception ex)
            {
                JetStreamSource<T>.LogReset(_context.Logger, _subject, next, ex);
                try
                {
                    await Task.Delay(backoff, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
        _buffer.Writer.TryComplete();
    }

    private T Decode(byte[]? data, ulong sequence)
    {
        try
        {
            return _source.Payload.Deserialize(data ?? []);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"JetStreamSource '{_source.Stream}': the message at stream sequence {sequence} on subject "
                + $"'{_subject}' cannot be read as a {typeof(T).Name}: {ex.Message} Remove or fix the message, or read the subject "
                + "with a payload that accepts it.", ex);
        }
    }
}
