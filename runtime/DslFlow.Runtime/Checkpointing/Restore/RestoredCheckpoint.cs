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

    /// <summary>The job that wrote it (null for checkpoints of format version 1, which named no job).</summary>
    public JobIdentity? Job { get; private init; }

    /// <summary>The writer's graph fingerprint (diagnostics only), or null.</summary>
    public string? GraphFingerprint { get; private init; }

    /// <summary>Names of every state in the checkpoint.</summary>
    public IEnumerable<string> StateNames => _byName.Keys;

    /// <summary>Reads and decodes every state file of <paramref name="metadata"/> (their checksums are verified on the way).</summary>
    /// <exception cref="CheckpointCorruptedException">A state file is missing, damaged, or not in this build's format.</exception>
    public static async Task<RestoredCheckpoint> LoadAsync(ICheckpointStorage storage, CheckpointMetadata metadata, CancellationToken cancellationToken)
    {
        var restored = new RestoredCheckpoint(metadata.CheckpointId) { Job = metadata.Job, GraphFingerprint = metadata.GraphFingerprint };
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
    /// has (source splits and operator list state fit any parallelism), no state the job no longer declares unless
    /// <paramref name="allowNonRestoredState"/> (Flink's <c>allowNonRestoredState</c>), and no channel state of a task
    /// that no longer exists — its in-flight records would be lost, so that is refused even when non-restored state is
    /// allowed. Compatibility is decided per state by name here and by descriptor when each task restores
    /// (<see cref="CheckDescriptor"/>); the graph fingerprint is never compared. States dropped with the option are
    /// returned in <paramref name="dropped"/>.
    /// </summary>
    /// <exception cref="JobConfigurationException">The checkpoint cannot be restored into this job; the message says why and what to do.</exception>
    public void CheckFits(Execution.JobPlan plan, bool allowNonRestoredState, out IReadOnlyList<string> dropped)
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
        var tasks = new HashSet<string>(plan.Graph.Chains.Select(c => ChannelStateName(c.Name)), StringComparer.Ordinal);
        List<string> lostChannels = _byName.Keys.Where(n => n.StartsWith(ChannelStatePrefix, StringComparison.Ordinal) && !tasks.Contains(n))
            .Order(StringComparer.Ordinal).ToList();
        if (lostChannels.Count > 0)
        {
            throw new JobConfigurationException($"Checkpoint {CheckpointId} holds in-flight records (channel state of an "
                + $"unaligned checkpoint) of task(s) {string.Join(", ", lostChannels.Select(n => "'" + n[ChannelStatePrefix.Length..] + "'"))}, "
                + $"which this job no longer has (tasks now: {string.Join(", ", plan.Graph.Chains.Select(c => "'" + c.Name + "'"))}). "
                + "Restoring would lose those records, so it is refused even with AllowNonRestoredState. Run the pipeline "
                + "that wrote the checkpoint, take an aligned checkpoint (checkpoints without Unaligned, e.g. "
                + "StopWithCheckpointAsync with Unaligned = false) and change the graph after that; or start fresh.");
        }
        known.UnionWith(tasks);
        dropped = _byName.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (dropped.Count > 0 && !allowNonRestoredState)
        {
            throw new JobConfigurationException($"Checkpoint {CheckpointId} holds state this job no longer declares: "
                + $"{string.Join(", ", dropped)} (states are named Node.parameter, sources source/Node). Restoring without it "
                + "would drop it silently. Give the node and parameter their old names, or set "
                + "CheckpointingOptions.AllowNonRestoredState = true to restore the rest and drop it (Flink's "
                + "allowNonRestoredState), or start fresh.");
        }
    }

    /// <summary>
    /// Refuses a state whose recorded descriptor differs from what the job declares now (another type or serializer):
    /// decoding it would fail or, worse, succeed with wrong values.
    /// </summary>
    /// <exception cref="JobConfigurationException">The descriptors differ.</exception>
    public void CheckDescriptor(string name, string descriptor)
    {
        if (!_byName.TryGetValue(name, out var entries))
        {
            return;
        }
        foreach (var (_, entry) in entries)
        {
            if (entry.Descriptor is string saved && saved != descriptor)
            {
                throw new JobConfigurationException($"Checkpoint {CheckpointId} holds state '{name}' as {saved}, but the job "
                    + $"now declares it as {descriptor}. A state's type or serializer cannot change across a restore yet: keep "
                    + "the old declaration, give the new state another parameter name (and set "
                    + "CheckpointingOptions.AllowNonRestoredState to drop the old one), or start fresh.");
            }
        }
    }

    /// <summary>The name of a keyed or operator list state parameter in checkpoints: node, dot, parameter.</summary>
    public static string KeyedStateName(string node, string parameter) => node + "." + parameter;

    /// <summary>The name of a source's reader positions in checkpoints.</summary>
    public static string SourcePositionName(string source) => "source/" + source;

    /// <summary>Every old subtask's bytes of a keyed state (empty when the checkpoint does not have it).</summary>
    /// <exception cref="JobConfigurationException">The checkpoint was taken with another number of key groups.</exception>
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
                throw new JobConfigurationException($"Checkpoint {CheckpointId} holds keyed state '{name}' in "
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
    public static string ChannelStateName(string task) => ChannelStatePrefix + task;

    private const string ChannelStatePrefix = "channels/";

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
