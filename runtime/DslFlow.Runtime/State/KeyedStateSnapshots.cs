using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>One keyed state of a subtask, as a checkpoint sees it: a name and a way to copy it into bytes.</summary>
internal interface IKeyedStateSnapshot
{
    string Name { get; }

    /// <summary>What the state holds (see <see cref="StateDescriptors"/>).</summary>
    string Descriptor { get; }

    /// <summary>The synchronous part of a snapshot: the state's current content, copied into a byte array.</summary>
    byte[] Snapshot();

    /// <summary>Adds the entries of one old subtask's snapshot that fall in this subtask's key groups.</summary>
    void Restore(ReadOnlySpan<byte> snapshot);
}

/// <summary>
/// Snapshots a value-state table with the serializers the generator chose, or else the run-time lookup of
/// <see cref="Serializers.For{T}"/> (hand-written tasks).
/// </summary>
internal sealed class ValueStateSnapshot<TKey, T>(KeyedValueTable<TKey, T> table, ISerializer<TKey>? keys = null, ISerializer<T>? values = null) : IKeyedStateSnapshot
    where TKey : notnull
{
    private readonly Lazy<ISerializer<TKey>> _keys = keys is null ? new(Serializers.For<TKey>) : new(keys);
    private readonly Lazy<ISerializer<T>> _values = values is null ? new(Serializers.For<T>) : new(values);

    public string Name => table.StateName;

    public string Descriptor { get; } = StateDescriptors.Value<TKey, T>(values);

    public byte[] Snapshot()
    {
        using var buffer = new StateBuffer();
        table.WriteSnapshot(buffer, _keys.Value, _values.Value);
        return buffer.ToArray();
    }

    public void Restore(ReadOnlySpan<byte> snapshot) => table.RestoreSnapshot(snapshot, _keys.Value, _values.Value);
}

/// <summary>
/// Snapshots a list- or map-state table with the generator's serializers, or else one built from the cell's element
/// types at run time.
/// </summary>
internal sealed class CellStateSnapshot<TKey, TCell>(KeyedStateTable<TKey, TCell> table, ISerializer<TKey>? keys = null, ISerializer<TCell>? cells = null) : IKeyedStateSnapshot
    where TKey : notnull
    where TCell : class, IStateCell, new()
{
    private readonly Lazy<ISerializer<TKey>> _keys = keys is null ? new(Serializers.For<TKey>) : new(keys);
    private readonly Lazy<ISerializer<TCell>> _cells = cells is null ? new(CreateCellSerializer) : new(cells);

    public string Name => table.StateName;

    public string Descriptor { get; } = StateDescriptors.Cell<TKey, TCell>(cells);

    public byte[] Snapshot()
    {
        using var buffer = new StateBuffer();
        table.WriteSnapshot(buffer, _keys.Value, _cells.Value);
        return buffer.ToArray();
    }

    public void Restore(ReadOnlySpan<byte> snapshot) => table.RestoreSnapshot(snapshot, _keys.Value, _cells.Value);

    private static ISerializer<TCell> CreateCellSerializer()
    {
        Type cell = typeof(TCell);
        Type[] args = cell.GetGenericArguments();
        Type serializer = cell.GetGenericTypeDefinition() == typeof(ListCell<>)
            ? typeof(ListCellSerializer<>).MakeGenericType(args)
            : cell.GetGenericTypeDefinition() == typeof(MapCell<,>)
                ? typeof(MapCellSerializer<,>).MakeGenericType(args)
                : throw new NotSupportedException($"State cells of type {cell} cannot be snapshotted.");
        object[] elementSerializers = args.Select(a => (object)Serializers.For(a)).ToArray();
        return (ISerializer<TCell>)Activator.CreateInstance(serializer, elementSerializers)!;
    }
}
