using DslFlow.Serialization;

namespace DslFlow.State;

/// <summary>One operator (non-keyed) state of a subtask, as a checkpoint sees it.</summary>
internal interface IOperatorStateSnapshot
{
    string Name { get; }

    /// <summary>What the state holds (see <see cref="StateDescriptors"/>).</summary>
    string Descriptor { get; }

    /// <summary>The synchronous part of a snapshot: the subtask's list, copied into a byte array.</summary>
    byte[] Snapshot();

    /// <summary>Replaces the state with this subtask's share of the old subtasks' lists (see <see cref="OperatorListRedistribution"/>).</summary>
    void Restore(IReadOnlyList<OperatorListPart> parts, int subtask, int parallelism);
}

/// <summary>
/// Snapshots an <see cref="OperatorListState{T}"/> as one list (<see cref="ListSerializer{T}"/>) with the element
/// serializer the generator chose, or else the run-time lookup of <see cref="Serializers.For{T}"/> (hand-written tasks).
/// </summary>
internal sealed class OperatorListStateSnapshot<T>(string name, OperatorListState<T> state, ISerializer<T>? elements = null) : IOperatorStateSnapshot
{
    private readonly Lazy<ListSerializer<T>> _list = new(() => new ListSerializer<T>(elements ?? Serializers.For<T>()));

    public string Name => name;

    public string Descriptor { get; } = StateDescriptors.OperatorList<T>(elements);

    public OperatorListState<T> State => state;

    public byte[] Snapshot()
    {
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        _list.Value.Write(ref writer, state.Storage);
        return buffer.ToArray();
    }

    public void Restore(IReadOnlyList<OperatorListPart> parts, int subtask, int parallelism)
    {
        List<T> restored = OperatorListRedistribution.Assign(parts, subtask, parallelism, Decode);
        state.Storage.Clear();
        state.Storage.AddRange(restored);
    }

    /// <summary>Reads one old subtask's list.</summary>
    public List<T> Decode(byte[] bytes)
    {
        var reader = new StateReader(bytes);
        List<T> list = _list.Value.Read(ref reader) ?? throw reader.Malformed($"operator list state '{name}' is null");
        reader.ExpectEnd();
        return list;
    }
}
