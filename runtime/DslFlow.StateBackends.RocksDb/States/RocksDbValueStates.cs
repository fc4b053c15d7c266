using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.States;

/// <summary>Reads a stored value (after its 4-byte hash) without copying the bytes into an array first.</summary>
internal sealed class StoredValueReader<T>(ISerializer<T> serializer) : ISpanDeserializer<T>
{
    /// <summary>Whether the last read found the key (RocksDB calls <see cref="Deserialize"/> only then).</summary>
    public bool Found { get; set; }

    public T Deserialize(ReadOnlySpan<byte> buffer)
    {
        Found = true;
        var reader = new StateReader(buffer[4..]);
        return serializer.Read(ref reader);
    }
}

/// <summary>A <see cref="ValueState{T}"/>: one row per key; a read is one native get, a write one put (or delete).</summary>
internal sealed class RocksDbValueState<TKey, T>(RocksDbSubtaskDatabase database, KeyedStateDescriptor<TKey, T> descriptor,
    KeyGroupRange range, int maxParallelism)
    : RocksDbState<TKey, T>(database, descriptor, range, maxParallelism), IValueChangeLog<T>
    where TKey : notnull
{
    private readonly StoredValueReader<T> _reader = new(descriptor.ValueSerializer);

    private protected override void Load()
    {
        _reader.Found = false;
        T value = Database.Db.Get(CurrentKeyBytes, _reader, Column, null!);
        Values[0] = _reader.Found ? value : default!;
        HasValue[0] = _reader.Found;
    }

    public void Set(int slot, T value) => Put(Descriptor.ValueSerializer, value);

    public void Clear(int slot) => Delete();

    private protected override void RestoreValue(WriteBatch batch, ReadOnlySpan<byte> entries, ref StateReader reader)
    {
        int start = entries.Length - reader.Remaining;
        Descriptor.ValueSerializer.Read(ref reader);
        PutRow(batch, default, entries[start..(entries.Length - reader.Remaining)]);
    }
}

/// <summary>
/// A <see cref="ListState{T}"/>: the whole list in one row per key, so making a key current reads and decodes its list,
/// and every change rewrites it (read-modify-write: an append costs the list's length; Flink appends with a merge
/// operator instead). Keep lists short, or use map state keyed by an index.
/// </summary>
internal sealed class RocksDbListState<TKey, T>(RocksDbSubtaskDatabase database, KeyedStateDescriptor<TKey, ListCell<T>> descriptor,
    KeyGroupRange range, int maxParallelism)
    : RocksDbState<TKey, ListCell<T>>(database, descriptor, range, maxParallelism), IListChangeLog<T>
    where TKey : notnull
{
    private readonly StoredValueReader<ListCell<T>> _reader = new(descriptor.ValueSerializer);

    private protected override void Load()
    {
        _reader.Found = false;
        ListCell<T> cell = Database.Db.Get(CurrentKeyBytes, _reader, Column, null!);
        Values[0] = _reader.Found ? cell : new ListCell<T>();
        HasValue[0] = true;
    }

    public void Add(int slot, T item) => Store();

    public void AddRange(int slot, List<T> list, int from) => Store();

    public void Update(int slot, List<T> list) => Store();

    public void Clear(int slot) => Delete();

    private void Store()
    {
        if (Values[0].IsEmpty)
        {
            Delete();
        }
        else
        {
            Put(Descriptor.ValueSerializer, Values[0]);
        }
    }

    private protected override void RestoreValue(WriteBatch batch, ReadOnlySpan<byte> entries, ref StateReader reader)
    {
        int start = entries.Length - reader.Remaining;
        ListCell<T> cell = Descriptor.ValueSerializer.Read(ref reader);
        if (!cell.IsEmpty)
        {
            PutRow(batch, default, entries[start..(entries.Length - reader.Remaining)]);
        }
    }
}
