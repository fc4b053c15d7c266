using DslFlow.Checkpointing;

namespace DslFlow.State.Changelog;

/// <summary>
/// Where one change set of one subtask's log lies (Flink's <c>(StreamStateHandle, offset)</c> pair of
/// <c>ChangelogStateHandleStreamImpl</c>): a section of a shared log file, which may hold the change sets of several
/// subtasks of the job. A checkpoint's log part is the ordered list of the segments since the last materialization;
/// the order is the order of the changes.
/// </summary>
/// <param name="File">The shared log file (<c>shared/changelog-…</c>).</param>
/// <param name="Offset">Where the section starts in the file's payload.</param>
/// <param name="Length">The section's length in bytes, header and checksum included.</param>
/// <param name="SequenceNumber">The change set's sequence number in its subtask's log.</param>
internal sealed record ChangelogSegment(StateHandle File, long Offset, int Length, long SequenceNumber)
{
    /// <summary>Describes the segment for messages.</summary>
    public override string ToString() => $"{File.RelativePath} at {Offset} ({Length} bytes, change set {SequenceNumber})";
}
