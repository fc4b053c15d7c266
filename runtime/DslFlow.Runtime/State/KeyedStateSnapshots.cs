using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>One keyed state of a subtask, as a checkpoint sees it: a name and a way to copy it into bytes.</summary>
internal interface IKeyedStateSnapshot
{
    string Name { get; }

    /// <summary>The synchronous part of a snapshot: the state's current content, copied into a byte array.</summary>
    byte[] Snapshot();
}

/// <summary>Snapshots a value-state table with the run-time serializers of its key and value types.</summary>
internal sealed class ValueStateSnapshot<TKey, T>(KeyedValueTable<TKey, T> table) : IKeyedStateSnapshot
    where TKey : notnull
{
    private readonly Lazy<ISerializer<TKey>> _keys = new(Serializers.For<TKey>);
    private readonly Lazy<ISerializer<T>> _values = new(Serializers.For<T>);

    public string Name => table.StateName;

    public byte[] Snapshot()
    {
        using var buffer = new StateBuffer();
        table.WriteSnapshot(buffer, _keys.Value, _values.Value);
        return buffer.ToArray();
    }
}

/// <summary>Snapshots a list- or map-state table; the cell serializer is built from the cell's element types.</summary>
internal sealed class CellStateSnapshot<TKey, TCell>(KeyedStateTable<TKey, TCell> table) : IKeyedStateSnapshot
    where TKey : notnull
    where TCell : class, IStateCell, new()
{
    private readonly Lazy<ISerializer<TKey>> _keys = new(Serializers.For<TKey>);
    private readonly Lazy<ISerializer<TCell>> _cells = new(CreateCellSerializer);

    public string Name => table.StateName;

    public byte[] Snapshot()
    {
        using var buffer = new StateBuffer();
        table.WriteSnapshot(buffer, _keys.Value, _cells.Value);
        return buffer.ToArray();
    }

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
