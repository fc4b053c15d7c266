using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// One keyed state of the changelog backend (Flink's <c>ChangelogValueState</c> / <c>ChangelogListState</c> /
/// <c>ChangelogMapState</c> with their <c>KvStateChangeLogger</c> and <c>StateChangeApplier</c>): it stays the wrapped
/// backend's state — generated code reads and writes that one — and, through the facade's change-log hook, appends every
/// write to the subtask's log as <c>byte op | varint state id | int32 stable hash | key | payload</c> under the key's key
/// group. Before its first change in a log segment it appends its metadata (key group −1). Replay applies the same
/// records to the wrapped state. A backend whose state has its own write hook (RocksDB writes through) keeps it: the
/// changelog state calls it first, for writes and for replayed changes alike. Task thread only.
/// </summary>
internal abstract class ChangelogState<TKey, TValue> : IChangelogState
    where TKey : notnull
{
    private readonly StateChangelogWriter? _log;
    private readonly StateBuffer _scratch = new(256);
    private bool _metadataLogged;

    /// <param name="state">The wrapped backend's state.</param>
    /// <param name="descriptor">Its descriptor (serializers, name, description).</param>
    /// <param name="id">Its id in this subtask's log.</param>
    /// <param name="log">Where writes go; null for a state that only replays (a restore into a backend without changelog).</param>
    private protected ChangelogState(KeyedState<TKey, TValue> state, KeyedStateDescriptor<TKey, TValue> descriptor, int id,
        StateChangelogWriter? log)
    {
        State = state;
        Descriptor = descriptor;
        Id = id;
        _log = log;
        Next = state.ChangeLog;
        if (log is not null)
        {
            state.ChangeLog = this;
        }
    }

    /// <summary>
    /// The wrapped state's own write hook, which every write and every replayed change reaches first: null on the heap,
    /// whose slots are the state; RocksDB's state, which writes each change through to its database.
    /// </summary>
    private protected object? Next { get; }

    /// <summary>The wrapped backend's state.</summary>
    public KeyedState<TKey, TValue> State { get; }

    private protected KeyedStateDescriptor<TKey, TValue> Descriptor { get; }

    public int Id { get; }

    public string Name => Descriptor.Name;

    public string Description => Descriptor.Description;

    public KeyedStateKind Kind => Descriptor.Kind;

    /// <summary>The key in <paramref name="slot"/> lost its value, list or map (every kind logs it the same way).</summary>
    public void Clear(int slot)
    {
        Begin(StateChangeOperation.Clear, slot, out int keyGroup);
        End(keyGroup);
    }

    /// <summary>A new log segment began (after a materialization): the metadata is logged again before the next change.</summary>
    public void ResetMetadata() => _metadataLogged = false;

    public void Apply(StateChangeOperation operation, int keyGroup, ref StateReader reader)
    {
        int hash = reader.ReadInt32();
        TKey key = Descriptor.KeySerializer.Read(ref reader) ?? throw reader.Malformed($"a change of state '{Name}' has a null key");
        int slot = State.Slot(key, hash, keyGroup);
        ApplyToSlot(operation, slot, ref reader);
    }

    /// <summary>Applies one replayed change to the key in <paramref name="slot"/>.</summary>
    private protected abstract void ApplyToSlot(StateChangeOperation operation, int slot, ref StateReader reader);

    /// <summary>Starts a change record for the key in <paramref name="slot"/>; write the payload, then <see cref="End"/>.</summary>
    private protected StateWriter Begin(StateChangeOperation operation, int slot, out int keyGroup)
    {
        if (!_metadataLogged)
        {
            LogMetadata();
        }
        _scratch.Reset();
        var writer = new StateWriter(_scratch);
        writer.WriteByte((byte)operation);
        writer.WriteIndex(Id);
        (TKey key, int hash, keyGroup) = State.KeyOf(slot);
        writer.WriteInt32(hash);
        Descriptor.KeySerializer.Write(ref writer, key);
        return writer;
    }

    private protected void End(int keyGroup) => _log!.Append(keyGroup, _scratch.WrittenSpan);

    private void LogMetadata()
    {
        _metadataLogged = true;
        _scratch.Reset();
        var writer = new StateWriter(_scratch);
        StateChangeRecords.WriteMetadata(ref writer, Id, Name, Kind, Description);
        _log!.Append(ChangelogFormat.MetadataKeyGroup, _scratch.WrittenSpan);
    }
}

/// <summary>A changelog state without its type parameters: what replay and the backend need.</summary>
internal interface IChangelogState
{
    int Id { get; }

    string Name { get; }

    string Description { get; }

    KeyedStateKind Kind { get; }

    void ResetMetadata();

    /// <summary>Applies one data change (after its operation and state id) that belongs to <paramref name="keyGroup"/>.</summary>
    void Apply(StateChangeOperation operation, int keyGroup, ref StateReader reader);
}
