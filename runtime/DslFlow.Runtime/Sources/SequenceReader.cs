namespace DslFlow;

/// <summary>Reads one subtask's share of a <see cref="SequenceSource"/>; <see cref="IndexedSourceReader{T}.Position"/> is the next value.</summary>
public sealed class SequenceReader : IndexedSourceReader<long>
{
    internal SequenceReader(IndexRange range, TokenBucket? rateLimit)
        : base(range, rateLimit)
    {
    }

    private protected override void Fill(Span<long> destination, long first, long stride)
    {
        // A tight loop the JIT keeps in registers: this is the throughput benchmark's source.
        if (stride == 1)
        {
            for (int k = 0; k < destination.Length; k++)
            {
                destination[k] = first + k;
            }
            return;
        }
        long value = first;
        for (int k = 0; k < destination.Length; k++)
        {
            destination[k] = value;
            value = unchecked(value + stride);
        }
    }
}
