namespace DslFlow.Checkpointing;

/// <summary>A triggered checkpoint waiting for one acknowledgement from each subtask. Guarded by the coordinator's lock.</summary>
internal sealed class PendingCheckpoint(long id, DateTimeOffset triggeredAt, int subtasks)
{
    private readonly bool[] _acknowledged = new bool[subtasks];
    private readonly IReadOnlyList<StateHandle>[] _state = new IReadOnlyList<StateHandle>[subtasks];

    /// <summary>State handles by subtask (empty lists for stateless subtasks).</summary>
    public IReadOnlyList<IReadOnlyList<StateHandle>> State => _state;

    public long Id { get; } = id;

    public DateTimeOffset TriggeredAt { get; } = triggeredAt;

    /// <summary>Asked for by the user (<c>JobHandle.TriggerCheckpointAsync</c>): its failure does not count against the tolerance.</summary>
    public bool OnDemand { get; init; }

    public int AcknowledgedCount { get; private set; }

    public bool IsFullyAcknowledged => AcknowledgedCount == _acknowledged.Length;

    public ITimer? Timeout { get; set; }

    public bool HasAcknowledged(int subtask) => (uint)subtask < (uint)_acknowledged.Length && _acknowledged[subtask];

    /// <summary>Records one subtask's acknowledgement; false when it is unknown or a duplicate.</summary>
    public bool Acknowledge(int subtask, IReadOnlyList<StateHandle> state)
    {
        if ((uint)subtask >= (uint)_acknowledged.Length || _acknowledged[subtask])
        {
            return false;
        }
        _acknowledged[subtask] = true;
        _state[subtask] = state;
        AcknowledgedCount++;
        return true;
    }
}
