using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.Checkpointing;

/// <summary>
/// A completed checkpoint opened for a restore: the index of every state file it holds, by state name. Loaded once per
/// (re)start and shared by every new subtask, which takes the states it declares. Operator state, source positions and
/// channel state are small and read at once; keyed state is read later by range, each subtask reading only the
/// key-group blocks it owns (<see cref="ReadKeyGroups"/>).
/// </summary>
internal sealed class RestoredCheckpoint : IKeyedStateSource
{
    private readonly Dictionary<string, List<Part>> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, StateHandle> _handles = new(StringComparer.Ordinal);

    private RestoredCheckpoint(long checkpointId) => CheckpointId = checkpointId;

    /// <summary>The restored checkpoint's id.</summary>
    public long CheckpointId { get; }

    /// <summary>The job that wrote it (null for checkpoints of format version 1, which named no job).</summary>
    public JobIdentity? Job { get; private init; }

    /// <summary>The writer's graph fingerprint (diagnostics only), or null.</summary>
    public string? GraphFingerprint { get; private init; }

    /// <summary>Reads the changelog parts' log files, each once for every restoring subtask of this process.</summary>
    public State.Changelog.ChangelogLogReader? Logs { get; private init; }

    /// <summary>The name of a task's changelog part in checkpoints.</summary>
    public static string ChangelogName(string task) => ChangelogPrefix + task;

    private const string ChangelogPrefix = "changelog/";

    /// <summary>The name of a task's native RocksDB part in checkpoints.</summary>
    public static string NativeName(string task) => NativePrefix + task;

    private const string NativePrefix = "rocksdb/";

    /// <summary>True when some old subtask of <paramref name="task"/> wrote its keyed state as a native RocksDB part.</summary>
    public bool HasNative(string task) => _byName.ContainsKey(NativeName(task));

    /// <summary>Every old subtask's native part of <paramref name="task"/>, with what a backend needs to read it.</summary>
    public State.Backends.NativeRestore NativeParts(string task, ICheckpointStorageWorkerView storage) =>
        new(CheckpointId, _byName.TryGetValue(NativeName(task), out var entries)
            ? [.. entries.Where(e => e.Section.Scope == StateScope.RocksDb).Select(e => e.Bytes)]
            : [], _handles, storage, AllowNonRestoredState, NativeName(task));

    /// <summary>Every old subtask's changelog part of <paramref name="task"/> (empty when the task's keyed state was not logged).</summary>
    /// <exception cref="CheckpointCorruptedException">A part is malformed or names a file the metadata does not list.</exception>
    public IReadOnlyList<(KeyGroupRange Owned, State.Changelog.ChangelogRestorePart Part)> ChangelogParts(string task) =>
        _byName.TryGetValue(ChangelogName(task), out var entries)
            ? [.. entries.Where(e => e.Section.Scope == StateScope.Changelog)
                .Select(e => State.Changelog.ChangelogPartCodec.Decode(e.Bytes, _handles, CheckpointId, ChangelogName(task)))]
            : [];

    /// <summary>
    /// Whether the restore may drop state the job no longer declares (<see cref="CheckpointingOptions.AllowNonRestoredState"/>,
    /// set by <see cref="CheckFits"/>): also applies to keyed states inside changelog parts, which only the tasks see.
    /// </summary>
    public bool AllowNonRestoredState { get; private set; }

    /// <summary>Every state file the checkpoint's metadata lists, shared files included.</summary>
    public IEnumerable<StateHandle> Handles => _handles.Values;

    /// <summary>True when some old subtask of <paramref name="task"/> logged its keyed state.</summary>
    public bool HasChangelog(string task) => _byName.ContainsKey(ChangelogName(task));

    /// <summary>Names of every state in the checkpoint.</summary>
    public IEnumerable<string> StateNames => _byName.Keys;

    /// <summary>
    /// Opens every state file of <paramref name="metadata"/>: reads its index and its small states (the storage checked
    /// the files' checksums when it loaded the metadata; each block is checked again when read).
    /// </summary>
    /// <exception cref="CheckpointCorruptedException">A state file is missing, damaged, or not in this build's format.</exception>
    public static Task<RestoredCheckpoint> LoadAsync(ICheckpointStorageWorkerView storage, CheckpointMetadata metadata, CancellationToken cancellationToken)
    {
        var restored = new RestoredCheckpoint(metadata.CheckpointId)
        {
            Job = metadata.Job,
            GraphFingerprint = metadata.GraphFingerprint,
            Logs = new State.Changelog.ChangelogLogReader(storage),
        };
        foreach (StateHandle handle in metadata.AllHandles)
        {
            cancellationToken.ThrowIfCancellationRequested();
            restored._handles.TryAdd(handle.RelativePath, handle);
            if (CheckpointPaths.ParseSharedPath(handle.RelativePath) is not null)
            {
                continue; // a changelog's or RocksDB's shared file: read through the backends' parts
            }
            try
            {
                restored.Add(StateFileReader.Open(handle.Length, (offset, destination) => storage.ReadStateRange(handle, offset, destination)));
            }
            catch (StateFormatException ex)
            {
                throw new CheckpointCorruptedException(metadata.CheckpointId, handle.RelativePath,
                    $"is not a subtask state snapshot this build can read ({ex.Message})", inner: ex);
            }
        }
        return Task.FromResult(restored);
    }

    /// <summary>A checkpoint made of subtask snapshots in memory (tests).</summary>
    public static RestoredCheckpoint FromSnapshots(long checkpointId, IEnumerable<TaskStateSnapshot> snapshots)
    {
        var restored = new RestoredCheckpoint(checkpointId);
        foreach (TaskStateSnapshot snapshot in snapshots)
        {
            restored.Add(StateFileReader.FromPayload(snapshot.Encode()));
        }
        return restored;
    }

    private void Add(StateFileReader file)
    {
        StateFileIndex index = file.Index;
        foreach (StateSection section in index.Sections)
        {
            if (!_byName.TryGetValue(section.Name, out var list))
            {
                _byName.Add(section.Name, list = []);
            }
            byte[] bytes = section.Scope == StateScope.Keyed ? [] : file.ReadBlock(section, section.Blocks[0]);
            list.Add(new Part(index.SubtaskIndex, index.Parallelism, index.MaxParallelism, section, file, bytes));
        }
    }

    /// <summary>
    /// Checks, before any task starts, that the checkpoint fits the job: keyed state in as many key groups as the job
    /// has (source splits and operator list state fit any parallelism), no state the job no longer declares unless
    /// <paramref name="allowNonRestoredState"/> (Flink's <c>allowNonRestoredState</c>), and no channel state of a task
    /// that no longer exists — its in-flight records would be lost, so that is refused even when non-restored state is
    /// allowed. Compatibility is decided per state by name here and by descriptor when each task restores
    /// (<see cref="CheckDescriptor"/>); the graph fingerprint is never compared. States dropped with the option are
    /// returned in <paramref name="dropped"/>. Takes the graph and the number of key groups rather than the job's plan,
    /// so checkpointing does not depend on execution.
    /// </summary>
    /// <exception cref="JobConfigurationException">The checkpoint cannot be restored into this job; the message says why and what to do.</exception>
    public void CheckFits(JobGraph graph, int maxParallelism, bool allowNonRestoredState, out IReadOnlyList<string> dropped)
    {
        AllowNonRestoredState = allowNonRestoredState;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeInfo node in graph.Nodes)
        {
            if (node.Kind == NodeKind.Source)
            {
                known.Add(SourcePositionName(node.Name)); // splits fit any parallelism
            }
            if (node.Kind == NodeKind.Sink)
            {
                known.Add(SinkStateName(node.Name)); // writer states are spread over any parallelism
            }
            foreach (string state in node.States) // keyed and operator list states, both named Node.parameter
            {
                string name = KeyedStateName(node.Name, state);
                known.Add(name);
                CheckKeyGroups(name, maxParallelism);
            }
            if (node.HasTimers)
            {
                foreach (TimeDomain domain in (TimeDomain[])[TimeDomain.EventTime, TimeDomain.ProcessingTime])
                {
                    string name = Time.Timers.TimerQueueNames.Of(node.Name, domain);
                    known.Add(name);
                    CheckKeyGroups(name, maxParallelism);
                }
                known.Add(WatermarkName(node.Name));
            }
        }
        var tasks = new HashSet<string>(graph.Chains.Select(c => ChannelStateName(c.Name)), StringComparer.Ordinal);
        foreach (var chain in graph.Chains)
        {
            known.Add(ChangelogName(chain.Name));
            CheckKeyGroups(ChangelogName(chain.Name), maxParallelism);
            known.Add(NativeName(chain.Name));
            CheckKeyGroups(NativeName(chain.Name), maxParallelism);
        }
        List<string> lostChannels = _byName.Keys.Where(n => n.StartsWith(ChannelStatePrefix, StringComparison.Ordinal) && !tasks.Contains(n))
            .Order(StringComparer.Ordinal).ToList();
        if (lostChannels.Count > 0)
        {
            throw new JobConfigurationException($"Checkpoint {CheckpointId} holds in-flight records (channel state of an "
                + $"unaligned checkpoint) of task(s) {string.Join(", ", lostChannels.Select(n => "'" + n[ChannelStatePrefix.Length..] + "'"))}, "
                + $"which this job no longer has (tasks now: {string.Join(", ", graph.Chains.Select(c => "'" + c.Name + "'"))}). "
                + "Restoring would lose those records, so it is refused even with AllowNonRestoredState. Run the pipeline "
                + "that wrote the checkpoint, take an aligned checkpoint (checkpoints without Unaligned, e.g. "
                + "StopWithCheckpointAsync with Unaligned = false) and change the graph after that; or start fresh.");
        }
        known.UnionWith(tasks);
        dropped = _byName.Keys.Where(name => !known.Contains(name)).Order(StringComparer.Ordinal).ToList();
        if (dropped.Count > 0 && !allowNonRestoredState)
        {
            throw new JobConfigurationException($"Checkpoint {CheckpointId} holds state this job no longer declares: "
                + $"{string.Join(", ", dropped)} (states are named Node.parameter, sources source/Node, sinks sink/Node). Restoring without it "
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
        foreach (Part entry in entries)
        {
            if (entry.Section.Descriptor is string saved && saved != descriptor)
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

    /// <summary>The name of a checkpointed sink's writer states in checkpoints (<see cref="ICheckpointedSink{T}"/>).</summary>
    public static string SinkStateName(string sink) => "sink/" + sink;

    /// <summary>Refuses keyed state written with another number of key groups.</summary>
    /// <exception cref="JobConfigurationException">The checkpoint was taken with another number of key groups.</exception>
    public void CheckKeyGroups(string name, int maxParallelism)
    {
        if (!_byName.TryGetValue(name, out var entries))
        {
            return;
        }
        foreach (Part owner in entries)
        {
            if (owner.Section.Scope is StateScope.Keyed or StateScope.Changelog or StateScope.RocksDb && owner.MaxParallelism != maxParallelism)
            {
                throw new JobConfigurationException($"Checkpoint {CheckpointId} holds keyed state '{name}' in "
                    + $"{owner.MaxParallelism} key groups, but the job now runs with MaxParallelism = {maxParallelism}. "
                    + "The number of key groups cannot change for existing state: run with MaxParallelism = "
                    + $"{owner.MaxParallelism}, or start fresh (CheckpointingOptions.StartFresh = true) to drop the state.");
            }
        }
    }

    /// <inheritdoc/>
    public void ReadKeyGroups(string stateName, KeyGroupRange range, KeyGroupBlockReader restore)
    {
        if (!_byName.TryGetValue(stateName, out var entries))
        {
            return;
        }
        foreach (Part part in entries)
        {
            if (part.Section.Scope != StateScope.Keyed)
            {
                continue;
            }
            foreach (BlockLocation block in part.Section.Blocks)
            {
                if (range.Contains(block.KeyGroup))
                {
                    restore(block.KeyGroup, block.Count, part.File.ReadBlock(part.Section, block));
                }
            }
        }
    }

    /// <summary>
    /// Every old subtask's list of an operator list state, in old subtask order (empty when the checkpoint does not have
    /// it); <see cref="State.OperatorListRedistribution"/> decides which elements a new subtask gets.
    /// </summary>
    public IReadOnlyList<State.OperatorListPart> OperatorListState(string name) =>
        _byName.TryGetValue(name, out var entries)
            ? entries.Where(e => e.Section.Scope == StateScope.OperatorList)
                .Select(e => new State.OperatorListPart(e.SubtaskIndex, e.Parallelism, e.Bytes))
                .OrderBy(p => p.Subtask)
                .ToList()
            : [];

    /// <summary>
    /// The name of a timer node's event time at a checkpoint (its timers' watermark, restored as their floor): by node, so
    /// it survives a change of the chain around the node.
    /// </summary>
    public static string WatermarkName(string node) => node + ".$timers.watermark";

    /// <summary>The name of a task's channel state in checkpoints.</summary>
    public static string ChannelStateName(string task) => ChannelStatePrefix + task;

    private const string ChannelStatePrefix = "channels/";

    /// <summary>
    /// Every old subtask's channel state of <paramref name="task"/> (empty when the checkpoint is aligned or nothing was
    /// in flight); <see cref="ChannelStateRedistribution"/> decides what a new subtask replays.
    /// </summary>
    public IReadOnlyList<ChannelStatePart> ChannelStates(string task) =>
        _byName.TryGetValue(ChannelStateName(task), out var entries)
            ? entries.Where(e => e.Section.Scope == StateScope.ChannelState)
                .Select(e => new ChannelStatePart(e.SubtaskIndex, e.Parallelism, e.Bytes))
                .ToList()
            : [];

    /// <summary>One old subtask's section of a state: where it sat, the section's index, its file, and its bytes unless keyed.</summary>
    private sealed record Part(int SubtaskIndex, int Parallelism, int MaxParallelism, StateSection Section, StateFileReader File, byte[] Bytes);
}
