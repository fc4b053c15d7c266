namespace DslFlow.Checkpointing;

/// <summary>
/// Which checkpoints use which shared file (Flink's <c>SharedStateRegistryImpl</c>): per file, keyed by its path only,
/// the checkpoint that created it and the newest completed checkpoint that lists it. A file may be deleted when every
/// checkpoint that used it is gone, that is when its last use is older than the lowest retained checkpoint
/// (<see cref="UnregisterUnused"/>, because retention retires oldest first), or, while it is pending, when its creating
/// checkpoint ended without a completed checkpoint referencing it (<see cref="ReleasePending"/>). Files of a checkpoint
/// whose metadata is being written are held (<see cref="Hold"/>) and never handed out for deletion.
/// The registry only decides; the storage deletes. Not thread-safe: the storage calls it under its lock, the same
/// lock under which it checks that a completing checkpoint's shared files exist.
/// </summary>
internal sealed class SharedStateRegistry
{
    private readonly Dictionary<string, SharedStateEntry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<long, HashSet<string>> _held = [];
    private readonly Dictionary<long, HashSet<string>> _claimed = [];

    /// <summary>Every tracked file, in no particular order.</summary>
    public IEnumerable<SharedStateEntry> Entries => _entries.Values;

    /// <summary>The entry of a file, or null when the registry does not track it.</summary>
    public SharedStateEntry? Find(string path) => _entries.GetValueOrDefault(path);

    /// <summary>
    /// A file was written for a checkpoint in progress, or ahead of any checkpoint by a task that owns it
    /// (<paramref name="ownedByTask"/>); no completed checkpoint uses it yet.
    /// </summary>
    public void AddPending(string path, long createdBy, bool ownedByTask = false)
    {
        if (!_entries.ContainsKey(path))
        {
            _entries[path] = new SharedStateEntry(path, createdBy, null, ownedByTask);
        }
    }

    /// <summary>
    /// The owning task released a file: removes and returns it when it is pending and not held (the caller deletes it);
    /// a held one is marked and goes with the next <see cref="ReleasePending"/>; a registered one is left to retention.
    /// </summary>
    public bool ReleaseOwned(string path)
    {
        if (_entries.GetValueOrDefault(path) is not { IsPending: true, OwnedByTask: true } entry)
        {
            return false;
        }
        if (IsHeld(path))
        {
            _entries[path] = entry with { ReleasedByTask = true };
            return false;
        }
        _entries.Remove(path);
        return true;
    }

    /// <summary>
    /// A checkpoint's metadata is being written: its files must not be handed out for deletion until
    /// <see cref="Release"/>, whether it ends completed or not.
    /// </summary>
    public void Hold(long checkpointId, IEnumerable<string> paths) => _held[checkpointId] = new(paths, StringComparer.Ordinal);

    /// <summary>Ends a <see cref="Hold"/>.</summary>
    public void Release(long checkpointId) => _held.Remove(checkpointId);

    /// <summary>
    /// Checkpoint <paramref name="checkpointId"/>, in progress, will list a file it did not write (an unchanged RocksDB
    /// SST): from now on the file is not handed out for deletion until that checkpoint has ended (see
    /// <see cref="DropClaims"/>). False when the registry no longer tracks the file (it was deleted, or never existed).
    /// </summary>
    public bool Claim(long checkpointId, string path)
    {
        if (!_entries.ContainsKey(path))
        {
            return false;
        }
        if (!_claimed.TryGetValue(checkpointId, out var paths))
        {
            _claimed[checkpointId] = paths = new(StringComparer.Ordinal);
        }
        paths.Add(path);
        return true;
    }

    /// <summary>Drops the claims of checkpoints that ended: a completed one registered its files, an aborted one needs none.</summary>
    public void DropClaims(Func<long, bool> ended)
    {
        foreach (long id in _claimed.Keys.Where(ended).ToList())
        {
            _claimed.Remove(id);
        }
    }

    /// <summary>
    /// Completed checkpoint <paramref name="checkpointId"/> lists these shared handles: each file's last use becomes
    /// at least <paramref name="checkpointId"/>, and a pending file stops being pending.
    /// </summary>
    public void Register(long checkpointId, IEnumerable<StateHandle> sharedHandles)
    {
        foreach (StateHandle handle in sharedHandles)
        {
            _entries[handle.RelativePath] = _entries.TryGetValue(handle.RelativePath, out var entry)
                ? entry with
                {
                    CreatedBy = Math.Min(entry.CreatedBy, handle.CheckpointId),
                    LastUsedBy = Math.Max(entry.LastUsedBy ?? 0, checkpointId),
                    OwnedByTask = false,
                    ReleasedByTask = false,
                }
                : new SharedStateEntry(handle.RelativePath, handle.CheckpointId, checkpointId);
            // Listed by a completed checkpoint, the file is the coordinator's now: only retention removes it.
        }
    }

    /// <summary>
    /// Removes and returns the files no retained checkpoint uses: registered ones last used before
    /// <paramref name="lowestRetained"/> (Flink's <c>unregisterUnusedState</c>), except held ones.
    /// </summary>
    /// <param name="lowestRetained">The lowest id of the completed checkpoints still present.</param>
    public IReadOnlyList<string> UnregisterUnused(long lowestRetained) =>
        Remove(entry => entry.LastUsedBy < lowestRetained);

    /// <summary>
    /// Removes and returns the pending files whose creating checkpoint ended (aborted, subsumed, or completed without
    /// listing them) and the owned files their task released, except held ones. Owned files the task still needs stay.
    /// </summary>
    /// <param name="ended">Whether a checkpoint ended, by id.</param>
    public IReadOnlyList<string> ReleasePending(Func<long, bool> ended) =>
        Remove(entry => entry.IsPending && (entry.OwnedByTask ? entry.ReleasedByTask : ended(entry.CreatedBy)));

    private bool IsHeld(string path) =>
        _held.Values.Any(paths => paths.Contains(path)) || _claimed.Values.Any(paths => paths.Contains(path));

    private List<string> Remove(Func<SharedStateEntry, bool> unused)
    {
        List<string> removed = [.. _entries.Values
            .Where(entry => unused(entry) && !IsHeld(entry.Path))
            .Select(entry => entry.Path)
            .Order(StringComparer.Ordinal)];
        foreach (string path in removed)
        {
            _entries.Remove(path);
        }
        return removed;
    }
}
