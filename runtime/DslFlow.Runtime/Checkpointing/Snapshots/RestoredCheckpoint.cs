using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>
/// A completed checkpoint read back for a restore: every subtask snapshot it holds, indexed by state name. Loaded
/// once per (re)start and shared by every new subtask, which takes the states it declares.
/// </summary>
internal sealed class RestoredCheckpoint
{
    private readonly Dictionary<string, List<(TaskStateSnapshot Owner, StateEntry Entry)>> _byName = new(StringComparer.Ordinal);

    private RestoredCheckpoint(long checkpointId) => CheckpointId = checkpointId;

    /// <summary>The restored checkpoint's id.</summary>
    public long CheckpointId { get; }

    /// <summary>Names of every state in the checkpoint.</summary>
    public IEnumerable<string> StateNames => _byName.Keys;

    /// <summary>Reads and decodes every state file of <paramref name="metadata"/> (their checksums are verified on the way).</summary>
    /// <exception cref="CheckpointCorruptedException">A state file is missing, damaged, or not in this build's format.</exception>
    public static async Task<RestoredCheckpoint> LoadAsync(ICheckpointStorage storage, CheckpointMetadata metadata, CancellationToken cancellationToken)
    {
        var restored = new RestoredCheckpoint(metadata.CheckpointId);
        foreach (StateHandle handle in metadata.AllHandles)
        {
            byte[] bytes = await storage.ReadStateAsync(handle, cancellationToken).ConfigureAwait(false);
            TaskStateSnapshot snapshot;
            try
            {
                snapshot = TaskStateSnapshot.Decode(bytes);
            }
            catch (StateFormatException ex)
            {
                throw new CheckpointCorruptedException(metadata.CheckpointId, handle.RelativePath,
                    $"is not a subtask state snapshot this build can read ({ex.Message})", inner: ex);
            }
            restored.Add(snapshot);
        }
        return restored;
    }

    /// <summary>A checkpoint made of decoded subtask snapshots (tests, and <see cref="LoadAsync"/>).</summary>
    public static RestoredCheckpoint FromSnapshots(long checkpointId, IEnumerable<TaskStateSnapshot> snapshots)
    {
        var restored = new RestoredCheckpoint(checkpointId);
        foreach (TaskStateSnapshot snapshot in snapshots)
        {
            restored.Add(snapshot);
        }
        return restored;
    }

    private void Add(TaskStateSnapshot snapshot)
    {
        foreach (StateEntry entry in snapshot.States)
        {
            if (!_byName.TryGetValue(entry.Name, out var list))
            {
                _byName.Add(entry.Name, list = []);
            }
            list.Add((snapshot, entry));
        }
    }

    /// <summary>
    /// Checks, before any task starts, that the checkpoint fits the job: keyed state in as many key groups as the job
    /// has, (source splits and operator list state fit any parallelism).
    /// States the job no longer declares are reported by <paramref name="unknown"/> (they are not restored).
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint cannot be restored into this job; the message says why and what to do.</exception>
    public void CheckFits(Execution.JobPlan plan, out IReadOnlyList<string> unknown)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeInfo node in plan.Graph.Nodes)
        {
            if (node.Kind == NodeKind.Source)
            {
                known.Add(SourcePositionName(node.Name)); // splits fit any parallelism
            }
            foreach (string state in node.States) // keyed and operator list states, both named Node.parameter
            {
                string name = KeyedStateName(node.Name, state);
                known.Add(name);
                _ = KeyedState(name, plan.MaxParallelism);
            }
        }
        for (int c = 0; c < plan.Graph.Chains.Count; c++)
        {
            string task = plan.Graph.Chains[c].Name;
            known.Add(ChannelStateName(task)); // redistributed to any parallelism
        }
        unknown = _byName.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The name of a keyed or operator list state parameter in checkpoints: node, dot, parameter.</summary>
    public static string KeyedStateName(string node, string parameter) => node + "." + parameter;

    /// <summary>The name of a source's reader positions in checkpoints.</summary>
    public static string SourcePositionName(string source) => "source/" + source;

    /// <summary>Every old subtask's bytes of a keyed state (empty when the checkpoint does not have it).</summary>
    /// <exception cref="InvalidOperationException">The checkpoint was taken with another number of key groups.</exception>
    public IReadOnlyList<byte[]> KeyedState(string name, int maxParallelism)
    {
        if (!_byName.TryGetValue(name, out var entries))
        {
            return [];
        }
        foreach (var (owner, entry) in entries)
        {
            if (entry.Scope == StateScope.Keyed && owner.MaxParallelism != maxParallelism)
            {
                throw new InvalidOperationException($"Checkpoint {CheckpointId} holds keyed state '{name}' in "
                    + $"{owner.MaxParallelism} key groups, but the job now runs with MaxParallelism = {maxParallelism}. "
                    + "The number of key groups cannot change for existing state: run with MaxParallelism = "
                    + $"{owner.MaxParallelism}, or start fresh (CheckpointingOptions.StartFresh = true) to drop the state.");
            }
        }
        return entries.Where(e => e.Entry.Scope == StateScope.Keyed).Select(e => e.Entry.Bytes).ToList();
    }

    /// <summary>
    /// Every old subtask's list of an operator list state, in old subtask order (empty when the checkpoint does not have
    /// it); <see cref="State.OperatorListRedistribution"/> decides which elements a new subtask gets.
    /// </summary>
    public IReadOnlyList<State.OperatorListPart> OperatorListState(string name) =>
        _byName.TryGetValue(name, out var entries)
            ? entries.Where(e => e.Entry.Scope == StateScope.OperatorList)
                .Select(e => new State.OperatorListPart(e.Owner.SubtaskIndex, e.Owner.Parallelism, e.Entry.Bytes))
                .OrderBy(p => p.Subtask)
                .ToList()
            : [];

    /// <summary>The name of a task's channel state in checkpoints.</summary>
    public static string ChannelStateName(string task) => "channels/" + task;

    /// <summary>
    /// Every old subtask's channel state of <paramref name="task"/> (empty when the checkpoint is aligned or nothing was
    /// in flight); <see cref="ChannelStateRedistribution"/> decides what a new subtask replays.
    /// </summary>
    public IReadOnlyList<ChannelStatePart> ChannelStates(string task) =>
        _byName.TryGetValue(ChannelStateName(task), out var entries)
            ? entries.Where(e => e.Entry.Scope == StateScope.ChannelState)
                .Select(e => new ChannelStatePart(e.Owner.SubtaskIndex, e.Owner.Parallelism, e.Entry.Bytes))
                .ToList()
            : [];
}
