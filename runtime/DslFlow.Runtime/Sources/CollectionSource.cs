namespace DslFlow;

/// <summary>
/// Emits the items of a collection, materialized once when the source is created. Subtask i of p reads the
/// contiguous range <c>[i·n/p, (i+1)·n/p)</c> in order; replayable from <see cref="IndexedSourceReader{T}.Position"/>.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class CollectionSource<T> : ICheckpointedSource<T>
{
    private readonly T[] _items;

    /// <summary>Copies <paramref name="items"/> into the source.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    public CollectionSource(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        _items = items.ToArray();
        Items = Array.AsReadOnly(_items);
    }

    /// <summary>The items, in order.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>Creates the reader of one subtask, starting at the beginning of its share.</summary>
    public CollectionReader<T> CreateReader(NodeContext context) => Open(context, null);

    /// <summary>
    /// Creates the reader of one subtask resuming at <paramref name="startPosition"/>, a
    /// <see cref="IndexedSourceReader{T}.Position"/> that a reader of the same subtask under the same parallelism reported.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not in this subtask's share.</exception>
    public CollectionReader<T> CreateReader(NodeContext context, long startPosition) => Open(context, startPosition);

    ISourceReader<T> ISource<T>.CreateReader(NodeContext context) => CreateReader(context);

    /// <inheritdoc />
    public ISourceReader<T> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) =>
        CreateReader(context, IndexedSourceReader<T>.ReadPosition(position));

    private CollectionReader<T> Open(NodeContext context, long? startPosition) =>
        new(IndexRange.ForReader(0, _items.Length, context, startPosition, "CollectionSource"), _items);
}
