namespace DslFlow;

/// <summary>
/// Emits the lines of text files, decoded as UTF-8 (a BOM is skipped, <c>\n</c> or <c>\r\n</c> end a line, the
/// last line needs no line end, invalid bytes become U+FFFD). Replayable: readers report the byte offset of the
/// next unread line of each file (<see cref="FileLineReader.Positions"/>), and <see cref="WithStartPositions"/>
/// resumes there.
/// </summary>
/// <remarks>
/// The pattern is a file, a directory (the files directly in it), or a glob: <c>*</c> and <c>?</c> match within one
/// name, a <c>**</c> segment matches any number of directories (<c>logs/**/*.txt</c>). Each matching file is a
/// split; splits are sorted ordinally by full path and split k is read by subtask k mod parallelism, its splits
/// one after another. The files are resolved once, at the first <see cref="CreateReader"/>, so every subtask (and
/// every restart of this source object) sees the same splits.
/// </remarks>
public sealed class FileLineSource : ICheckpointedSource<string>
{
    private readonly Dictionary<string, long> _startOffsets;
    private readonly Lock _resolveLock = new();
    private string[]? _files;

    /// <summary>Reads the files that <paramref name="pathOrGlob"/> names.</summary>
    /// <exception cref="ArgumentException"><paramref name="pathOrGlob"/> is null or empty.</exception>
    public FileLineSource(string pathOrGlob)
        : this(pathOrGlob, new Dictionary<string, long>(PathComparer))
    {
    }

    private FileLineSource(string pathOrGlob, Dictionary<string, long> startOffsets)
    {
        if (string.IsNullOrWhiteSpace(pathOrGlob))
        {
            throw new ArgumentException(
                "FileLineSource needs a file, a directory or a glob such as \"input/*.txt\"; it got an empty string.",
                nameof(pathOrGlob));
        }
        Pattern = pathOrGlob;
        _startOffsets = startOffsets;
    }

    /// <summary>The path or glob given to the constructor.</summary>
    public string Pattern { get; }

    /// <summary>The offsets at which reading resumes (see <see cref="WithStartPositions"/>); empty when reading from the start.</summary>
    public IReadOnlyList<FileLinePosition> StartPositions =>
        _startOffsets.Select(p => new FileLinePosition(p.Key, p.Value)).ToArray();

    private static StringComparer PathComparer =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// A source over the same pattern that starts each listed file at its offset (the start of a line, as
    /// <see cref="FileLineReader.Positions"/> reported it) and every other file at its beginning.
    /// </summary>
    /// <exception cref="ArgumentException">A position is null, has a negative offset, or names a file twice.</exception>
    public FileLineSource WithStartPositions(IEnumerable<FileLinePosition> positions)
    {
        ArgumentNullException.ThrowIfNull(positions);
        var offsets = new Dictionary<string, long>(PathComparer);
        foreach (FileLinePosition? position in positions)
        {
            if (position is null || string.IsNullOrEmpty(position.Path) || position.Offset < 0)
            {
                throw new ArgumentException(
                    $"FileLineSource.WithStartPositions: {position?.ToString() ?? "null"} is not a position; each needs a " +
                    "file path and an offset of 0 or more, as FileLineReader.Positions reports them.", nameof(positions));
            }
            if (!offsets.TryAdd(Path.GetFullPath(position.Path), position.Offset))
            {
                throw new ArgumentException(
                    $"FileLineSource.WithStartPositions: '{position.Path}' is listed twice; give one position per file.",
                    nameof(positions));
            }
        }
        return new FileLineSource(Pattern, offsets);
    }

    /// <summary>The files the pattern matches, as full paths sorted ordinally; resolved once and then remembered.</summary>
    /// <exception cref="FileNotFoundException">Nothing exists at the path, or no file matches the glob.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory part of the glob does not exist.</exception>
    public IReadOnlyList<string> ResolveFiles()
    {
        lock (_resolveLock)
        {
            return _files ??= FileGlob.Resolve(Pattern);
        }
    }

    /// <summary>Creates the reader of one subtask: splits k with k mod parallelism = the subtask index.</summary>
    /// <exception cref="FileNotFoundException">The pattern matches no file.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory part of the glob does not exist.</exception>
    /// <exception cref="InvalidOperationException">A start position names a file the pattern does not match.</exception>
    public FileLineReader CreateReader(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        IReadOnlyList<string> files = ResolveFiles();
        var known = new HashSet<string>(files, PathComparer);
        string? unknown = _startOffsets.Keys.FirstOrDefault(path => !known.Contains(path));
        if (unknown is not null)
        {
            throw new InvalidOperationException(
                $"FileLineSource: a start position names '{unknown}', which pattern '{Pattern}' does not match (any more). " +
                "Restore the file, or drop its position if it is no longer to be read.");
        }
        IEnumerable<FileLinePosition> splits = files
            .Where((_, k) => k % context.Parallelism == context.SubtaskIndex)
            .Select(path => new FileLinePosition(path, _startOffsets.GetValueOrDefault(path)));
        return new FileLineReader(splits);
    }

    ISourceReader<string> ISource<string>.CreateReader(NodeContext context) => CreateReader(context);

    /// <inheritdoc />
    public ISourceReader<string> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) =>
        WithStartPositions(FileLineReader.ReadPositions(position)).CreateReader(context);
}
