using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// Emits the lines of text files, decoded as UTF-8 (a BOM is skipped, <c>\n</c> or <c>\r\n</c> end a line, the
/// last line needs no line end, invalid bytes become U+FFFD). Replayable, as Flink's <c>FileSource</c>: each file is
/// a split, and a checkpoint stores every split of a reader — path, identity, bytes read — which a restore resumes
/// without listing the files again.
/// </summary>
/// <remarks>
/// <para>
/// The pattern is a file, a directory (the files directly in it), or a glob: <c>*</c> and <c>?</c> match within one
/// name, a <c>**</c> segment matches any number of directories (<c>logs/**/*.txt</c>). The files are listed once, when
/// the job first starts (or at the first <see cref="CreateReader"/>), sorted ordinally by full path, and file k is
/// read by subtask k mod parallelism. A split ends at the file's length when it was listed: bytes appended later are
/// not read, so a run with failures reads exactly what a run without reads.
/// </para>
/// <para>
/// Bounded (the default): that listing is final; files that appear later are logged at a restore, never read. With
/// <see cref="DiscoveryInterval"/> the source is continuous: every interval each reader lists the pattern again and
/// reads the new files it owns (<c>StableHash(path) mod parallelism</c>) once, also across restores; it never ends.
/// Write files elsewhere and move them in when complete, since a discovered file is read up to its length then.
/// </para>
/// <para>
/// On restore, a missing file that was read to its end is skipped; a file not read to its end that is missing, shrank,
/// was replaced (another inode) or rewritten in place (same length, another last-write time) fails the job with a
/// <see cref="JobConfigurationException"/> naming the file and its position, unless <see cref="SkipChangedFiles"/> is set.
/// </para>
/// </remarks>
public sealed class FileLineSource : ICheckpointedSource<string>, IStartValidation
{
    private readonly Dictionary<string, long> _startOffsets;
    private readonly Lock _resolveLock = new();
    private readonly TimeSpan? _discoveryInterval;
    private FileSplit[]? _listing;

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

    /// <summary>
    /// Null (the default) for a bounded source that reads the files listed at the first start; an interval for a
    /// continuous one that lists the pattern again that often and reads each new file once (its readers never end; a
    /// pattern matching nothing yet is fine, a missing directory is not).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not positive.</exception>
    public TimeSpan? DiscoveryInterval
    {
        get => _discoveryInterval;
        init
        {
            if (value is { } interval && interval <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), interval,
                    "FileLineSource.DiscoveryInterval must be positive (or null for a bounded source).");
            }
            _discoveryInterval = value;
        }
    }

    /// <summary>
    /// False (the default): a restore fails with a <see cref="JobConfigurationException"/> when a file not yet read to
    /// its end is missing, shrank, was replaced or rewritten in place. True: such a file is skipped with a warning and
    /// its unread lines are lost.
    /// </summary>
    public bool SkipChangedFiles { get; init; }

    /// <summary>The default <see cref="MaxLineLength"/>: 64 MiB.</summary>
    public const int DefaultMaxLineLength = 64 * 1024 * 1024;

    /// <summary>
    /// The longest line, in bytes, the source reads (default 64 MiB). A longer line fails the job with a
    /// <see cref="JobConfigurationException"/> naming the file and the line's byte offset, instead of growing the
    /// reader's buffer until memory runs out on every restart.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above 1 GiB.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        init => _maxLineLength = value is >= 1 and <= 1 << 30 ? value : throw new ArgumentOutOfRangeException(nameof(MaxLineLength), value,
            $"FileLineSource.MaxLineLength is {value}: it must be between 1 byte and 1 GiB ({1 << 30}). Leave it unset for 64 MiB.");
    }

    private readonly int _maxLineLength = DefaultMaxLineLength;
    private long _skippedLongLines;

    /// <summary>
    /// False (the default): a line longer than <see cref="MaxLineLength"/> fails the job. True: it is skipped with a
    /// warning naming the file and offset, counted in <see cref="SkippedLongLines"/> and the
    /// <c>dslflow.source.lines_skipped</c> counter, and reading goes on after it (the line is read through, never held
    /// in memory).
    /// </summary>
    public bool SkipLongLines { get; init; }

    /// <summary>Lines skipped for their length (<see cref="SkipLongLines"/>) by this source's readers, over every restart.</summary>
    public long SkippedLongLines => Interlocked.Read(ref _skippedLongLines);

    /// <summary>The offsets at which reading resumes (see <see cref="WithStartPositions"/>); empty when reading from the start.</summary>
    public IReadOnlyList<FileLinePosition> StartPositions =>
        _startOffsets.Select(p => new FileLinePosition(p.Key, p.Value)).ToArray();

    internal static StringComparer PathComparer =>
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// A source over the same pattern and settings that starts each listed file at its offset (the start of a line,
    /// as <see cref="FileLineReader.Positions"/> reported it) and every other file at its beginning.
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
        return new FileLineSource(Pattern, offsets) { DiscoveryInterval = DiscoveryInterval, SkipChangedFiles = SkipChangedFiles };
    }

    /// <summary>The files the pattern matches, as full paths sorted ordinally; listed once and then remembered.</summary>
    /// <exception cref="JobConfigurationException">
    /// Nothing exists at the path, the directory part of the glob does not exist, or (bounded) no file matches.
    /// </exception>
    public IReadOnlyList<string> ResolveFiles() => Listing().Select(split => split.Path).ToArray();

    /// <summary>
    /// Checks the pattern before any task starts: on a fresh start it lists the files (bounded: at least one must
    /// match), and this listing is the one every subtask reads. A resumed job reads the files its checkpoint lists, so
    /// only the directory of a continuous source must exist then (archived files are fine).
    /// </summary>
    /// <exception cref="JobConfigurationException">The directory is missing, or a bounded fresh start matches no file.</exception>
    public void ValidateAtStart(bool resumesFromCheckpoint)
    {
        if (!resumesFromCheckpoint)
        {
            _ = Listing();
        }
        else if (DiscoveryInterval is not null)
        {
            _ = FileGlob.Resolve(Pattern, allowNoMatch: true);
        }
    }

    /// <summary>Creates the reader of one subtask: files k with k mod parallelism = the subtask index.</summary>
    /// <exception cref="JobConfigurationException">
    /// The pattern's directory does not exist, a bounded pattern matches no file, or a start position names a file the
    /// pattern does not match.
    /// </exception>
    public FileLineReader CreateReader(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        FileSplit[] listing = Listing();
        var known = new HashSet<string>(listing.Select(s => s.Path), PathComparer);
        string? unknown = _startOffsets.Keys.FirstOrDefault(path => !known.Contains(path));
        if (unknown is not null)
        {
            throw new JobConfigurationException(
                $"FileLineSource: a start position names '{unknown}', which pattern '{Pattern}' does not match (any more). " +
                "Restore the file, or drop its position if it is no longer to be read.");
        }
        bool Mine(int k) => k % context.Parallelism == context.SubtaskIndex;
        var share = new FileLineShare(
            listing.Where((_, k) => Mine(k)).Select(split => split with { Offset = _startOffsets.GetValueOrDefault(split.Path) }),
            listing.Where((_, k) => !Mine(k)).Select(split => split.Path));
        return NewReader(share, context);
    }

    ISourceReader<string> ISource<string>.CreateReader(NodeContext context) => CreateReader(context);

    /// <summary>
    /// Reopens the share a checkpoint stored: exactly its files, checked against their identity (see the remarks);
    /// in discovery mode, files that appeared meanwhile are added at once.
    /// </summary>
    /// <exception cref="DslFlow.Serialization.StateFormatException">The position is not one this source's readers write.</exception>
    /// <exception cref="JobConfigurationException">A file not read to its end changed (unless <see cref="SkipChangedFiles"/>).</exception>
    public ISourceReader<string> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        ArgumentNullException.ThrowIfNull(context);
        FileLineShare share = FileLineShare.Read(position);
        FileLineReader reader = NewReader(share, context);
        FileLineRestore.Check(reader, this, context);
        return reader;
    }

    private FileLineReader NewReader(FileLineShare share, NodeContext context) =>
        new(share, Discovery(context), SkipChangedFiles, context.Logger)
        {
            MaxLineLength = MaxLineLength,
            LongLineSkipped = SkipLongLines ? () =>
            {
                Interlocked.Increment(ref _skippedLongLines);
                Execution.JobMetrics.RecordSkippedLine(context.JobName, context.NodeName, context.SubtaskIndex);
            } : null,
        };

    /// <summary>Up to ten of <paramref name="paths"/> for a log line.</summary>
    internal static string Sample(IEnumerable<string> paths)
    {
        string[] some = paths.Take(11).ToArray();
        return string.Join(", ", some.Take(10)) + (some.Length > 10 ? ", …" : "");
    }

    private FileDiscovery? Discovery(NodeContext context) => DiscoveryInterval is { } interval
        ? new FileDiscovery(Pattern, interval, context.TimeProvider, context.SubtaskIndex, context.Parallelism)
        : null;

    /// <summary>The first listing, with each file's identity then; resolved once per source object.</summary>
    private FileSplit[] Listing()
    {
        lock (_resolveLock)
        {
            return _listing ??= [.. FileGlob.Resolve(Pattern, allowNoMatch: DiscoveryInterval is not null)
                .Select(path => FileIdentity.Of(path) is { } identity ? new FileSplit(path, identity, 0) : null)
                .OfType<FileSplit>()];
        }
    }
}
