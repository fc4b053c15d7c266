using System.Collections.Immutable;

namespace DslFlow.Checkpointing;

/// <summary>
/// The description of a completed checkpoint: its id, when it was triggered and completed, and the state handles of
/// every operator subtask. The storage writes it last, atomically, as <c>chk-{id}/_metadata</c>; a checkpoint
/// directory without it is not a completed checkpoint. Immutable: the handle map is copied and sorted on the way in,
/// and equality compares contents.
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>
    /// The metadata and state file format version this build writes and reads. Version 3 made state files seekable
    /// (per-key-group blocks and an index); their metadata is version 2's.
    /// </summary>
    public const int CurrentFormatVersion = 3;

    /// <summary>The oldest state file format this build reads: the first seekable one.</summary>
    public const int OldestReadableStateFormatVersion = 3;

    /// <summary>The oldest format version this build reads (version 1 metadata names no job).</summary>
    public const int OldestReadableFormatVersion = 1;

    private static readonly IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> Empty =
        ImmutableSortedDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>.Empty;

    private readonly IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> _subtaskStates = Empty;

    /// <summary>Creates the metadata of a checkpoint.</summary>
    /// <param name="checkpointId">The checkpoint id (1 or more).</param>
    /// <param name="triggeredAt">When the coordinator triggered the checkpoint.</param>
    /// <param name="completedAt">When the last acknowledgement arrived.</param>
    /// <param name="subtaskStates">The state handles of every operator subtask; null or empty for a stateless job.</param>
    public CheckpointMetadata(long checkpointId, DateTimeOffset triggeredAt, DateTimeOffset completedAt,
        IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>? subtaskStates = null)
    {
        CheckpointId = checkpointId;
        TriggeredAt = triggeredAt;
        CompletedAt = completedAt;
        SubtaskStates = subtaskStates ?? Empty;
    }

    /// <summary>The checkpoint id.</summary>
    public long CheckpointId { get; init; }

    /// <summary>When the coordinator triggered the checkpoint (stored as UTC).</summary>
    public DateTimeOffset TriggeredAt { get; init; }

    /// <summary>When the checkpoint completed (stored as UTC).</summary>
    public DateTimeOffset CompletedAt { get; init; }

    /// <summary>The job the checkpoint belongs to; null only in metadata of format version 1, which named no job.</summary>
    public JobIdentity? Job { get; init; }

    /// <summary>
    /// A digest of the job graph that wrote the checkpoint (nodes, edges, state names), for diagnostics only: a restore
    /// decides compatibility per state, never by comparing it.
    /// </summary>
    public string? GraphFingerprint { get; init; }

    /// <summary>The format version the metadata was read with; <see cref="CurrentFormatVersion"/> for new metadata.</summary>
    public int FormatVersion { get; internal init; } = CurrentFormatVersion;

    /// <summary>The state handles of every operator subtask, ordered by operator id, then subtask index.</summary>
    public IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> SubtaskStates
    {
        get => _subtaskStates;
        init => _subtaskStates = Freeze(value);
    }

    /// <summary>Every state handle of the checkpoint, in <see cref="SubtaskStates"/> order.</summary>
    public IEnumerable<StateHandle> AllHandles => _subtaskStates.Values.SelectMany(handles => handles);

    /// <summary>Compares every field, including the handle lists element by element.</summary>
    /// <param name="other">The metadata to compare with.</param>
    public bool Equals(CheckpointMetadata? other)
    {
        if (other is null)
        {
            return false;
        }
        if (ReferenceEquals(this, other))
        {
            return true;
        }
        return CheckpointId == other.CheckpointId && TriggeredAt == other.TriggeredAt && CompletedAt == other.CompletedAt
            && Job == other.Job && GraphFingerprint == other.GraphFingerprint && FormatVersion == other.FormatVersion && _subtaskStates.Count == other._subtaskStates.Count
            && _subtaskStates.All(entry => other._subtaskStates.TryGetValue(entry.Key, out var theirs)
                && entry.Value.SequenceEqual(theirs));
    }

    /// <summary>A hash over the id, times, version and handle count.</summary>
    public override int GetHashCode() =>
        HashCode.Combine(CheckpointId, TriggeredAt, CompletedAt, FormatVersion, _subtaskStates.Count);

    private static IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> Freeze(
        IReadOnlyDictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> value)
    {
        ArgumentNullException.ThrowIfNull(value, nameof(SubtaskStates));
        var builder = ImmutableSortedDictionary.CreateBuilder<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        foreach (var (subtask, handles) in value)
        {
            if (subtask.OperatorId is null)
            {
                throw new ArgumentException($"A key of {nameof(SubtaskStates)} has a null operator id; give every "
                    + "operator subtask its operator's id.", nameof(SubtaskStates));
            }
            if (handles is null || handles.Any(handle => handle is null))
            {
                throw new ArgumentException($"The state handles of {subtask} are null or contain null; pass an empty "
                    + "list for a subtask without state.", nameof(SubtaskStates));
            }
            builder[subtask] = ImmutableArray.CreateRange(handles);
        }
        return builder.ToImmutable();
    }
}
