namespace DslFlow;

/// <summary>
/// A reader of one subtask's share of an index space (see <see cref="SequenceSource"/>): it emits the records of
/// indices <see cref="Position"/>, <see cref="Position"/> + stride, ... in increasing order, in whole batches, and
/// honours an optional rate limit.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public abstract class IndexedSourceReader<T> : ISourceReader<T>, ICheckpointedReader
{
    private readonly long _stride;
    private readonly TokenBucket? _rateLimit;
    private long _next;
    private ulong _remaining;

    private protected IndexedSourceReader(IndexRange range, TokenBucket? rateLimit)
    {
        _next = range.First;
        _stride = range.Stride;
        _remaining = range.Count;
        _rateLimit = rateLimit;
    }

    /// <summary>
    /// The index of the next record this reader emits (once it has ended, the position after its last index). Store
    /// it in a checkpoint and pass it to the source's <c>CreateReader(context, startPosition)</c> to resume here.
    /// </summary>
    public long Position => _next;

    /// <summary>Writes <see cref="Position"/> (a varint), which the source's <c>RestoreReader</c> reads back.</summary>
    public void WritePosition(ref DslFlow.Serialization.StateWriter writer) => writer.WriteVarInt64(_next);

    /// <summary>Reads a position written by <see cref="WritePosition"/>.</summary>
    internal static long ReadPosition(ReadOnlySpan<byte> position)
    {
        var reader = new DslFlow.Serialization.StateReader(position);
        long next = reader.ReadVarInt64();
        reader.ExpectEnd();
        return next;
    }

    /// <summary>Whether every record of this reader's share has been emitted.</summary>
    public bool IsEnded => _remaining == 0;

    /// <inheritdoc />
    public ReadResult Read(Span<T> destination)
    {
        if (_remaining == 0)
        {
            return new ReadResult(0, ReadStatus.EndOfInput);
        }
        long count = (long)Math.Min((ulong)destination.Length, _remaining);
        if (_rateLimit is not null)
        {
            count = _rateLimit.Take(count);
            if (count == 0)
            {
                return new ReadResult(0, ReadStatus.NothingAvailable);
            }
        }
        Fill(destination[..(int)count], _next, _stride);
        _next = unchecked(_next + (count * _stride));
        _remaining -= (ulong)count;
        ReadStatus status = _remaining == 0 ? ReadStatus.EndOfInput
            : _rateLimit is { IsEmpty: true } ? ReadStatus.NothingAvailable
            : ReadStatus.MoreAvailable;
        return new ReadResult((int)count, status);
    }

    /// <inheritdoc />
    public ValueTask WaitForDataAsync(CancellationToken cancellationToken) =>
        _remaining == 0 || _rateLimit is null ? default : _rateLimit.WaitAsync(cancellationToken);

    /// <summary>Releases nothing; index readers hold no resources.</summary>
    public void Dispose()
    {
    }

    /// <summary>Writes the records of indices <c>first + k·stride</c> to <c>destination[k]</c>.</summary>
    private protected abstract void Fill(Span<T> destination, long first, long stride);
}
