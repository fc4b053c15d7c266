using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>
/// A backend with four keyed states — a <c>long</c> value, a mutable <see cref="List{T}"/> value changed in place after
/// its slot is taken, a list and a map — and a model of what they hold, driven by seeded random writes on the calling
/// (task) thread. <see cref="Render"/> gives both one comparable form, so a snapshot can be checked against the model
/// copy taken at its synchronous part.
/// </summary>
internal sealed class CopyOnWriteWorkload : IDisposable
{
    private readonly Random _random;
    private readonly KeyedState<string, long> _counts;
    private readonly KeyedState<string, List<int>> _buffers;
    private readonly KeyedState<string, ListCell<int>> _lists;
    private readonly KeyedState<string, MapCell<int, int>> _maps;
    private readonly Dictionary<string, long> _countModel = [];
    private readonly Dictionary<string, List<int>> _bufferModel = [];
    private readonly Dictionary<string, List<int>> _listModel = [];
    private readonly Dictionary<string, Dictionary<int, int>> _mapModel = [];
    private readonly HashSet<string>[] _touched = [[], [], [], []];
    private int _keys;

    public CopyOnWriteWorkload(int seed, int keys)
    {
        Seed = seed;
        _random = new Random(seed);
        Backend = KeyedStateBackends.Create(new StateBackendOptions(), new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism);
        (_counts, _buffers, _lists, _maps) = Declare(Backend);
        for (int k = 0; k < keys; k++)
        {
            string key = NewKey();
            Write(0, key, 0);
            Write(1, key, 0);
            Write(2, key, 0);
            Write(3, key, 0);
        }
    }

    public static readonly string[] StateNames = ["Node.counts", "Node.buffers", "Node.lists", "Node.maps"];

    public int Seed { get; }

    public IKeyedStateBackend Backend { get; }

    /// <summary>Keys each state's table holds, with or without a value (a table keeps a key once it saw it).</summary>
    public IEnumerable<int> KeysTouched => _touched.Select(t => t.Count);

    /// <summary>One random write to a random state: to an existing key, or with <paramref name="newKeys"/> chance to a new one.</summary>
    public void WriteRandom(double newKeys = 0.3)
    {
        string key = _random.NextDouble() < newKeys ? NewKey() : $"key-{_random.Next(_keys)}";
        Write(_random.Next(4), key, _random.Next(3));
    }

    public void WriteRandom(int count, double newKeys = 0.3)
    {
        for (int i = 0; i < count; i++)
        {
            WriteRandom(newKeys);
        }
    }

    /// <summary>The model as <see cref="Render"/> renders a backend (a deep copy: later writes do not change it).</summary>
    public SortedDictionary<string, string> Model()
    {
        var rendered = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in _countModel)
        {
            rendered[$"{StateNames[0]}/{key}"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in _bufferModel)
        {
            rendered[$"{StateNames[1]}/{key}"] = string.Join(",", value);
        }
        foreach (var (key, value) in _listModel.Where(e => e.Value.Count > 0))
        {
            rendered[$"{StateNames[2]}/{key}"] = string.Join(",", value);
        }
        foreach (var (key, value) in _mapModel.Where(e => e.Value.Count > 0))
        {
            rendered[$"{StateNames[3]}/{key}"] = Render(value);
        }
        return rendered;
    }

    /// <summary>The live state, rendered.</summary>
    public SortedDictionary<string, string> Live() => Render(_counts, _buffers, _lists, _maps);

    /// <summary>A completed snapshot restored into a fresh backend, rendered; also checks each key was saved exactly once.</summary>
    public static SortedDictionary<string, string> Restored(TaskStateSnapshot snapshot)
    {
        using IKeyedStateBackend fresh = KeyedStateBackends.Create(new StateBackendOptions(), new KeyGroupRange(0, MaxParallelism - 1), MaxParallelism);
        var (counts, buffers, lists, maps) = Declare(fresh);
        fresh.Restore(RestoredCheckpoint.FromSnapshots(1, [snapshot]));
        SortedDictionary<string, string> rendered = Render(counts, buffers, lists, maps);
        foreach (string state in StateNames)
        {
            int restored = rendered.Keys.Count(k => k.StartsWith(state + "/", StringComparison.Ordinal));
            Assert.True(EntryCount(snapshot, state) == restored,
                $"state {state}: the snapshot holds {EntryCount(snapshot, state)} entries for {restored} keys (a key saved twice)");
        }
        return rendered;
    }

    public void Dispose() => Backend.Dispose();

    private static (KeyedState<string, long>, KeyedState<string, List<int>>, KeyedState<string, ListCell<int>>, KeyedState<string, MapCell<int, int>>) Declare(IKeyedStateBackend backend) =>
        (backend.GetOrCreateState(ValueOf<long>(StateNames[0])), backend.GetOrCreateState(ValueOf<List<int>>(StateNames[1])),
            backend.GetOrCreateState(ListOf<int>(StateNames[2])), backend.GetOrCreateState(MapOf<int, int>(StateNames[3])));

    private static SortedDictionary<string, string> Render(KeyedState<string, long> counts, KeyedState<string, List<int>> buffers,
        KeyedState<string, ListCell<int>> lists, KeyedState<string, MapCell<int, int>> maps)
    {
        var rendered = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in counts.Entries())
        {
            rendered[$"{StateNames[0]}/{key}"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in buffers.Entries())
        {
            rendered[$"{StateNames[1]}/{key}"] = string.Join(",", value);
        }
        foreach (var (key, cell) in lists.Entries())
        {
            rendered[$"{StateNames[2]}/{key}"] = string.Join(",", cell.Items);
        }
        foreach (var (key, cell) in maps.Entries())
        {
            rendered[$"{StateNames[3]}/{key}"] = Render(cell.Entries);
        }
        return rendered;
    }

    private static string Render(Dictionary<int, int> map) => string.Join(",", map.OrderBy(e => e.Key).Select(e => $"{e.Key}:{e.Value}"));

    private string NewKey() => $"key-{_keys++}";

    /// <summary>One write through the facades, mirrored in the model.</summary>
    private void Write(int state, string key, int operation)
    {
        int x = _random.Next(1_000);
        _touched[state].Add(key);
        switch (state, operation)
        {
            case (0, 0):
                _counts.Value(key).Value = x;
                _countModel[key] = x;
                break;
            case (0, 1):
                _counts.Value(key).Clear();
                _countModel.Remove(key);
                break;
            case (0, _):
                ValueState<long> count = _counts.Value(key);
                count.Value += 1;
                _countModel[key] = _countModel.GetValueOrDefault(key) + 1;
                break;
            case (1, 0):
                _buffers.Value(key).Value = [x];
                _bufferModel[key] = [x];
                break;
            case (1, 1):
                _buffers.Value(key).Clear();
                _bufferModel.Remove(key);
                break;
            case (1, _):
                ValueState<List<int>> buffer = _buffers.Value(key); // the slot first, then the list changed in place
                if (buffer.HasValue)
                {
                    buffer.Value.Add(x);
                    buffer.Value[0] = -x;
                    _bufferModel[key].Add(x);
                    _bufferModel[key][0] = -x;
                }
                else
                {
                    buffer.Value = [x, x];
                    _bufferModel[key] = [x, x];
                }
                break;
            case (2, 0):
                _lists.List(key).Add(x);
                Cell(_listModel, key).Add(x);
                break;
            case (2, 1):
                _lists.List(key).Clear();
                Cell(_listModel, key).Clear();
                break;
            case (2, _):
                _lists.List(key).Update([x, x + 1]);
                Cell(_listModel, key).Clear();
                Cell(_listModel, key).AddRange([x, x + 1]);
                break;
            case (3, 0):
                _maps.Map(key)[x % 10] = x;
                Cell(_mapModel, key)[x % 10] = x;
                break;
            case (3, 1):
                _maps.Map(key).Remove(x % 10);
                Cell(_mapModel, key).Remove(x % 10);
                break;
            default:
                _maps.Map(key).Clear();
                Cell(_mapModel, key).Clear();
                break;
        }
    }

    private static T Cell<T>(Dictionary<string, T> model, string key)
        where T : new()
    {
        if (!model.TryGetValue(key, out T? cell))
        {
            model[key] = cell = new T();
        }
        return cell;
    }
}
