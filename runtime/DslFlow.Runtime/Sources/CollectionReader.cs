namespace DslFlow;

/// <summary>Reads one subtask's share of a <see cref="CollectionSource{T}"/>; <see cref="IndexedSourceReader{T}.Position"/> is the next item's index.</summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class CollectionReader<T> : IndexedSourceReader<T>
{
    private readonly T[] _items;

    internal CollectionReader(IndexRange range, T[] items)
        : base(range, rateLimit: null)
    {
        _items = items;
    }

    // Shares are contiguous (stride 1), so a batch is one block copy.
    private protected override void Fill(Span<T> destination, long first, long stride) =>
        _items.AsSpan((int)first, destination.Length).CopyTo(destination);
}
