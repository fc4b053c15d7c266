namespace DslFlow.State.Changelog;

/// <summary>
/// A change set of one subtask's log, closed for appends: <see cref="Count"/> changes already in their section encoding
/// (<see cref="ChangelogFormat.WriteChange"/>), the first <see cref="Length"/> bytes of <see cref="Changes"/>.
/// </summary>
internal sealed record SealedChangeSet(long SequenceNumber, int Count, byte[] Changes, int Length)
{
    /// <summary>The section's length in a log file.</summary>
    public int SectionLength => ChangelogFormat.SectionOverhead + Length;
}
