using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Heap;

namespace DslFlow.Runtime.Tests.State;

/// <summary>Heap keyed states for tests: created from descriptors, snapshotted to blocks and restored from them.</summary>
internal static class HeapStates
{
    public static HeapKeyedState<TKey, T> Value<TKey, T>(string name, KeyGroupRange range, ISerializer<TKey>? keys = null, ISerializer<T>? values = null)
        where TKey : notnull =>
        new(new KeyedStateDescriptor<TKey, T>(name, KeyedStateKind.Value, keys, values), range);

    public static HeapKeyedState<TKey, ListCell<T>> List<TKey, T>(string name, KeyGroupRange range)
        where TKey : notnull =>
        new(new KeyedStateDescriptor<TKey, ListCell<T>>(name, KeyedStateKind.List, null, null), range);

    public static HeapKeyedState<TKey, MapCell<TMapKey, TValue>> Map<TKey, TMapKey, TValue>(string name, KeyGroupRange range)
        where TKey : notnull
        where TMapKey : notnull =>
        new(new KeyedStateDescriptor<TKey, MapCell<TMapKey, TValue>>(name, KeyedStateKind.Map, null, null), range);

    /// <summary>Sets the value of a key (its hash and key group computed here).</summary>
    public static void Set<TKey, T>(this HeapKeyedState<TKey, T> state, TKey key, T value, int maxParallelism = 128)
        where TKey : notnull
    {
        int hash = Hash(key);
        int slot = state.Slot(key, hash, KeyGroups.Assign(hash, maxParallelism));
        state.Values[slot] = value;
        state.HasValue[slot] = true;
    }

    /// <summary>The cell of a key (its hash and key group computed here).</summary>
    public static TCell CellOf<TKey, TCell>(this HeapKeyedState<TKey, TCell> state, TKey key, int maxParallelism = 128)
        where TKey : notnull
        where TCell : class, IStateCell, new()
    {
        int hash = Hash(key);
        return state.Cell(key, hash, KeyGroups.Assign(hash, maxParallelism));
    }

    /// <summary>A whole snapshot (synchronous and asynchronous part), copied out of the capture's buffers.</summary>
    public static IReadOnlyList<KeyGroupBlock> SnapshotBlocks<TKey, T>(this HeapKeyedState<TKey, T> state)
        where TKey : notnull
    {
        using IKeyedStateSnapshot snapshot = state.Snapshot();
        return Copy(snapshot.Serialize(CancellationToken.None));
    }

    public static IReadOnlyList<KeyGroupBlock> Copy(IEnumerable<KeyGroupBlock> blocks) =>
        blocks.Select(b => new KeyGroupBlock(b.KeyGroup, b.Count, Join(b), default)).ToList();

    /// <summary>Restores the blocks of the state's key groups; returns the number of entries restored.</summary>
    public static int Restore<TKey, T>(this HeapKeyedState<TKey, T> state, IEnumerable<KeyGroupBlock> blocks, int maxParallelism = 128)
        where TKey : notnull =>
        blocks.Where(b => state.Range.Contains(b.KeyGroup)).Sum(b => state.RestoreBlock(b.KeyGroup, b.Count, Join(b), maxParallelism));

    /// <summary>Every entry, by key.</summary>
    public static Dictionary<TKey, T> Entries<TKey, T>(this HeapKeyedState<TKey, T> state)
        where TKey : notnull =>
        Enumerable.Range(state.Range.Start, state.Range.Count).SelectMany(state.EntriesOf).ToDictionary(e => e.Key, e => e.Value);

    /// <summary>The stable hash of a test key (strings and integers).</summary>
    public static int Hash<TKey>(TKey key) => key switch
    {
        string text => StableHash.Of(text),
        int number => StableHash.Of(number),
        long number => StableHash.Of(number),
        _ => throw new NotSupportedException($"No stable hash for test keys of type {typeof(TKey)}."),
    };

    private static byte[] Join(KeyGroupBlock block) => [.. block.First.Span, .. block.Second.Span];
}
