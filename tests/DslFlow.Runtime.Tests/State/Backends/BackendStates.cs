using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// Reaching keyed states through the backend seam only, as generated code does (<see cref="KeyedState{TKey, TValue}.Slot"/>
/// and the facades), and carrying snapshots into checkpoints: usable with any <see cref="IKeyedStateBackend"/>.
/// </summary>
internal static class BackendStates
{
    public const int MaxParallelism = 128;

    public static KeyedStateDescriptor<string, T> ValueOf<T>(string name, ISerializer<T>? values = null) =>
        new(name, KeyedStateKind.Value, null, values);

    public static KeyedStateDescriptor<string, ListCell<T>> ListOf<T>(string name) => new(name, KeyedStateKind.List, null, null);

    public static KeyedStateDescriptor<string, MapCell<TMapKey, TValue>> MapOf<TMapKey, TValue>(string name)
        where TMapKey : notnull =>
        new(name, KeyedStateKind.Map, null, null);

    public static int GroupOf(string key) => KeyGroups.Assign(StableHash.Of(key), MaxParallelism);

    /// <summary>A value facade bound to the state and pointed at <paramref name="key"/> (what generated code does per record).</summary>
    public static ValueState<T> Value<T>(this KeyedState<string, T> state, string key)
    {
        var facade = new ValueState<T>();
        facade.Bind(state);
        facade.Slot = state.Slot(key, StableHash.Of(key), GroupOf(key));
        return facade;
    }

    /// <summary>A list facade bound to the state (so a changelog logs its writes) and pointed at <paramref name="key"/>.</summary>
    public static ListState<T> List<T>(this KeyedState<string, ListCell<T>> state, string key)
    {
        var facade = new ListState<T>();
        facade.Bind(state);
        facade.Cell = state.Cell(key, StableHash.Of(key), GroupOf(key));
        return facade;
    }

    /// <summary>A map facade bound to the state (so a changelog logs its writes) and pointed at <paramref name="key"/>.</summary>
    public static MapState<TMapKey, TValue> Map<TMapKey, TValue>(this KeyedState<string, MapCell<TMapKey, TValue>> state, string key)
        where TMapKey : notnull
    {
        var facade = new MapState<TMapKey, TValue>();
        facade.Bind(state);
        facade.Cell = state.Cell(key, StableHash.Of(key), GroupOf(key));
        return facade;
    }

    /// <summary>Every entry that holds a value (a non-empty cell), by key.</summary>
    public static Dictionary<string, T> Entries<T>(this KeyedState<string, T> state) =>
        Enumerable.Range(state.Range.Start, state.Range.Count).SelectMany(state.EntriesOf).ToDictionary(e => e.Key, e => e.Value);

    /// <summary>Both parts of every block joined into one array, so the blocks outlive the snapshot's buffers.</summary>
    public static IReadOnlyList<KeyGroupBlock> Copy(IEnumerable<KeyGroupBlock> blocks) =>
        blocks.Select(b => new KeyGroupBlock(b.KeyGroup, b.Count, (byte[])[.. b.First.Span, .. b.Second.Span], default)).ToList();

    /// <summary>The asynchronous part of every state's snapshot, as one subtask's entry of a checkpoint; disposes the snapshots.</summary>
    public static TaskStateSnapshot Complete(IReadOnlyList<IKeyedStateSnapshot> snapshots, KeyGroupRange range, int parallelism)
    {
        var entries = new List<StateEntry>(snapshots.Count);
        foreach (IKeyedStateSnapshot snapshot in snapshots)
        {
            using (snapshot)
            {
                entries.Add(new StateEntry(snapshot.Name, StateScope.Keyed, [])
                {
                    Descriptor = snapshot.Descriptor,
                    Blocks = Copy(snapshot.Serialize(CancellationToken.None)),
                });
            }
        }
        return new TaskStateSnapshot(SubtaskOf(range, parallelism), parallelism, MaxParallelism, entries);
    }

    /// <summary>The subtask of <paramref name="parallelism"/> whose key groups are <paramref name="range"/>.</summary>
    public static int SubtaskOf(KeyGroupRange range, int parallelism) =>
        Enumerable.Range(0, parallelism).Single(s => KeyGroups.RangeOf(s, parallelism, MaxParallelism) == range);

    /// <summary>Total entries of a keyed state's blocks in a subtask's entry (each key once when the snapshot is right).</summary>
    public static int EntryCount(TaskStateSnapshot snapshot, string state) =>
        snapshot.States.Single(s => s.Name == state).Blocks.Sum(b => b.Count);
}
