namespace DslFlow;

/// <summary>
/// One file of a <see cref="FileLineSource"/> share, as Flink's <c>FileSourceSplit</c>: the file's full path, its
/// identity when it was listed — whose length is the split's end: the reader never reads past it, so bytes appended
/// later are not read and a restore reads exactly the bytes the first run would have — and the bytes read so far
/// (the offset of the next unread line).
/// </summary>
/// <param name="Path">The file's full path.</param>
/// <param name="Listed">The file's identity when it was listed; <see cref="FileIdentity.Length"/> is the split's end.</param>
/// <param name="Offset">The byte offset of the next unread line.</param>
internal sealed record FileSplit(string Path, FileIdentity Listed, long Offset)
{
    /// <summary>The split's end: the file's length when it was listed.</summary>
    public long End => Listed.Length;

    /// <summary>Every line of the split was read (or the split was skipped): the file is never opened again.</summary>
    public bool IsRead => Offset >= End;

    /// <summary>
    /// Why the file at <see cref="Path"/> can no longer be read exactly as listed, or null when it can: it is missing,
    /// another file took its place (inode), it shrank below the bytes read or below the split's end, or it was
    /// rewritten in place (same length, another last-write time). A file longer than the split merely grew.
    /// </summary>
    /// <param name="now">The file's identity now, null when it is missing.</param>
    public string? ChangeTo(FileIdentity? now)
    {
        if (now is not { } current)
        {
            return "is missing";
        }
        if (Listed.Inode != 0 && current.Inode != 0 && current.Inode != Listed.Inode)
        {
            return $"was replaced by another file (inode {Listed.Inode}, now {current.Inode})";
        }
        if (current.Length < Offset)
        {
            return $"was truncated to {current.Length} bytes, below the {Offset} bytes already read";
        }
        if (current.Length < End)
        {
            return $"shrank to {current.Length} bytes, below the {End} bytes it had when it was listed";
        }
        if (current.Length == End && current.LastWriteTicks != Listed.LastWriteTicks)
        {
            return $"was rewritten in place (same length, last written {new DateTime(current.LastWriteTicks, DateTimeKind.Utc):O} "
                + $"instead of {new DateTime(Listed.LastWriteTicks, DateTimeKind.Utc):O})";
        }
        return null;
    }

    /// <summary>The error for a file that changed: which file, where the split was, what changed, and the fixes.</summary>
    public JobConfigurationException ChangedError(string change, string when) => new(
        $"FileLineSource: '{Path}' {change} {when}; {Offset} of its {End} bytes were read (split end = its length when it "
        + "was listed), so its unread lines cannot be read exactly once. Restore the file as it was, or set "
        + "FileLineSource.SkipChangedFiles = true to skip such files with a warning (their unread lines are lost).");
}
