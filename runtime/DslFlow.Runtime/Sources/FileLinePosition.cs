namespace DslFlow;

/// <summary>
/// Where a <see cref="FileLineSource"/> split resumes: the byte offset of the next unread line of a file.
/// </summary>
/// <param name="Path">The file's full path, as <see cref="FileLineSource.ResolveFiles"/> lists it.</param>
/// <param name="Offset">The byte offset of the start of the next line to read (the file's length once it is read to the end).</param>
public sealed record FileLinePosition(string Path, long Offset);
