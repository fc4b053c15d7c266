using DslFlow.Serialization;

namespace DslFlow.Checkpointing;

/// <summary>How a state entry is redistributed when a checkpoint is restored.</summary>
internal enum StateScope : byte
{
    /// <summary>Keyed state, organised by key group: every new subtask reads every old subtask's entry and keeps its groups.</summary>
    Keyed = 1,

    /// <summary>Reserved: state restored only into the subtask of the same index (no state uses it; source positions are split lists).</summary>
    Subtask = 2,

    /// <summary>
    /// An operator list state of one subtask (<see cref="OperatorListState{T}"/>), the list serialized with its element
    /// serializer, or a source subtask's list of splits (source splits, written by the source task): restored into the subtask of the same index when the parallelism is unchanged, otherwise the lists
    /// of all old subtasks, concatenated in subtask order, are split evenly into contiguous parts.
    /// </summary>
    OperatorList = 3,

    /// <summary>
    /// In-flight buffers of an unaligned checkpoint at one subtask's input, per channel: replayed into the same
    /// channels of the subtask of the same index before any new record.
    /// </summary>
    ChannelState = 4,

    /// <summary>
    /// A changelog subtask's part of a checkpoint (<see cref="State.Changelog.ChangelogPartCodec"/>): its owned key
    /// groups, materialization files and logs, which live in the shared area. Every new subtask whose key groups overlap
    /// restores from it.
    /// </summary>
    Changelog = 5,

    /// <summary>
    /// A RocksDB subtask's native part of an incremental checkpoint: its owned key groups, its states' column families,
    /// its SST files (shared, reused by later checkpoints while unchanged) and its small metadata files. Every new
    /// subtask whose key groups overlap restores from it.
    /// </summary>
    RocksDb = 6,
}

/// <summary>
/// One named state of a subtask's snapshot. <see cref="Descriptor"/> says what it holds and how it is serialized
/// (for example <c>ValueState&lt;long&gt; keyed by string</c>): a restore compares it with what the job declares now,
/// so a state whose type changed is refused with a message instead of being decoded as garbage. Null for source
/// positions and channel state. Keyed state is held as <see cref="Blocks"/> (one per key group, <see cref="Bytes"/>
/// empty); any other state as <see cref="Bytes"/>.
/// </summary>
internal sealed record StateEntry(string Name, StateScope Scope, byte[] Bytes)
{
    public string? Descriptor { get; init; }

    /// <summary>The key-group blocks of a keyed state.</summary>
    public IReadOnlyList<State.Backends.KeyGroupBlock> Blocks { get; init; } = [];

    /// <summary>The entry as a section of a state file.</summary>
    public SectionContent ToSection() => Scope == StateScope.Keyed
        ? new SectionContent(Name, Scope, Descriptor, Blocks)
        : SectionContent.Whole(Name, Scope, Descriptor, Bytes);
}

/// <summary>
/// Everything one subtask wrote for one checkpoint, as one state file holds it, decoded whole in memory (tests, and
/// files written from memory): where the subtask sat (index, parallelism, key groups) and its named states. Named by
/// state (<c>Count.count</c>, <c>source/Lines</c>), not by task, so a restore finds a state even when chaining or
/// parallelism changed. The payload layout is <see cref="StateFileWriter"/>'s; restores read files by range instead
/// (<see cref="StateFileReader"/>).
/// </summary>
internal sealed record TaskStateSnapshot(int SubtaskIndex, int Parallelism, int MaxParallelism, IReadOnlyList<StateEntry> States)
{
    public byte[] Encode() => StateFileWriter.Encode(SubtaskIndex, Parallelism, MaxParallelism, States.Select(s => s.ToSection()).ToList());

    /// <summary>Decodes a state file's payload, every block checked against its checksum.</summary>
    /// <exception cref="StateFormatException">The bytes are not a task snapshot of this format.</exception>
    public static TaskStateSnapshot Decode(ReadOnlyMemory<byte> payload)
    {
        StateFileReader reader = StateFileReader.FromPayload(payload);
        StateFileIndex index = reader.Index;
        var states = new List<StateEntry>(index.Sections.Count);
        foreach (StateSection section in index.Sections)
        {
            if (section.Scope == StateScope.Keyed)
            {
                var blocks = section.Blocks.Select(b => new State.Backends.KeyGroupBlock(b.KeyGroup, b.Count, reader.ReadBlock(section, b), default)).ToList();
                states.Add(new StateEntry(section.Name, section.Scope, []) { Descriptor = section.Descriptor, Blocks = blocks });
            }
            else
            {
                states.Add(new StateEntry(section.Name, section.Scope, reader.ReadBlock(section, section.Blocks[0])) { Descriptor = section.Descriptor });
            }
        }
        return new TaskStateSnapshot(index.SubtaskIndex, index.Parallelism, index.MaxParallelism, states);
    }
}
