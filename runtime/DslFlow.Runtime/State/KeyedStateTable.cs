using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DslFlow.State;

/// <summary>
/// The cells of one keyed state of one subtask, kept in one map per key group so that a snapshot can be
/// written and redistributed by key group. Used by generated code.
/// </summary>
/// <typeparam name="TKey">The record key type.</typeparam>
/// <typeparam name="TCell">The state's cell type.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class KeyedStateTable<TKey, TCell>
    where TKey : notnull
    where TCell : class, IStateCell, new()
{
    private readonly Dictionary<TKey, TCell>[] _groups;

    /// <summary>Creates an empty table for the key groups a subtask owns.</summary>
    public KeyedStateTable(string stateName, KeyGroupRange range)
    {
        StateName = stateName;
        Range = range;
        _groups = new Dictionary<TKey, TCell>[range.Count];
        for (int i = 0; i < _groups.Length; i++)
        {
            _groups[i] = [];
        }
    }

    /// <summary>The state parameter's name.</summary>
    public string StateName { get; }

    /// <summary>The key groups this table holds.</summary>
    public KeyGroupRange Range { get; }

    /// <summary>The cell of a key, created empty on first use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TCell Get(TKey key, int keyGroup)
    {
        uint index = (uint)(keyGroup - Range.Start);
        if (index >= (uint)_groups.Length)
        {
            ThrowWrongKeyGroup(key, keyGroup);
        }
        ref TCell? cell = ref CollectionsMarshal.GetValueRefOrAddDefault(_groups[index], key, out _);
        return cell ??= new TCell();
    }

    /// <summary>The non-empty entries of one key group.</summary>
    public IEnumerable<KeyValuePair<TKey, TCell>> EntriesOf(int keyGroup)
    {
        if (!Range.Contains(keyGroup))
        {
            throw new ArgumentOutOfRangeException(nameof(keyGroup), keyGroup, $"Key group is outside {Range}.");
        }
        return _groups[keyGroup - Range.Start].Where(e => !e.Value.IsEmpty);
    }

    /// <summary>Number of keys with a non-empty cell.</summary>
    public int Count => _groups.Sum(g => g.Values.Count(c => !c.IsEmpty));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowWrongKeyGroup(TKey key, int keyGroup) =>
        throw new InvalidOperationException(
            $"State '{StateName}': key '{key}' is in key group {keyGroup}, which this subtask does not own " +
            $"(it owns {Range}). Records were routed with a hash that differs from the state's.");
}
