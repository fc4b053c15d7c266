namespace DslFlow.Checkpointing;

/// <summary>A bounded set of checkpoint ids: the oldest is forgotten past the bound (barriers of old checkpoints no longer arrive).</summary>
internal sealed class RecentCheckpoints(int capacity = 64)
{
    private readonly SortedSet<long> _ids = [];

    public bool Contains(long checkpointId) => _ids.Contains(checkpointId);

    /// <summary>Adds the id; false when it was there already.</summary>
    public bool Add(long checkpointId)
    {
        if (!_ids.Add(checkpointId))
        {
            return false;
        }
        if (_ids.Count > capacity)
        {
            _ids.Remove(_ids.Min);
        }
        return true;
    }
}
