namespace DslFlow;

/// <summary>Reads one subtask's share of a <see cref="GeneratorSource{T}"/>; <see cref="IndexedSourceReader{T}.Position"/> is the next index.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class GeneratorReader<T> : IndexedSourceReader<T>
{
    private readonly Func<long, T> _generate;

    internal GeneratorReader(IndexRange range, TokenBucket? rateLimit, Func<long, T> generate)
        : base(range, rateLimit)
    {
        _generate = generate;
    }

    private protected override void Fill(Span<T> destination, long first, long stride)
    {
        long index = first;
        for (int k = 0; k < destination.Length; k++)
        {
            destination[k] = _generate(index);
            index = unchecked(index + stride);
        }
    }
}
