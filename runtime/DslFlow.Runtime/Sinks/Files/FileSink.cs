using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// Writes one UTF-8 line per record into part files of a directory, exactly once with checkpoints (the part-file
/// life cycle of Flink's <c>FileSink</c>): records go to an in-progress file; at checkpoint n's barrier it is synced and
/// becomes the pending part <c>.pending/part-{run}-{subtask}-{n}.txt</c>; when checkpoint n completes, the pending parts
/// up to n move into the directory as <c>part-{run}-{subtask}-{n}.txt</c>, where readers see them. The run is the job
/// run's id (<see cref="NodeContext.JobId"/>): several jobs may share a directory, and each one's recovery
/// (<see cref="RecoverTransactions"/>) touches only its own run's files. Without checkpoints, each subtask's records
/// become <c>part-{run}-{subtask}-end.txt</c> at the end of input. With <see cref="Compaction"/>, committed parts stay
/// hidden until they are merged into larger visible files.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed partial class FileSink<T> : ISink<T>, ITransactionalSink, IStartValidation
{
    private const string PendingFolder = ".pending";
    private const string InProgressFolder = ".inprogress";
    private readonly Func<T, string> _format;
    private readonly CommitRecords _commits;

    // The run of writers whose job takes no checkpoints (no job run id): new with every sink instance, so no later
    // start ever mistakes these parts for its own.
    private readonly Guid _uncheckpointedRun = Guid.NewGuid();

    // Recoveries so far, and the gate they and compactions take: a writer created before the latest recovery belongs
    // to a run attempt that was cancelled — an abandoned task's writer, disposed late when its stuck user code returns
    // — and must not compact the files the next attempt's writer now owns (see Writer.Dispose).
    private readonly Lock _gate = new();
    private int _recoveries;

    /// <summary>Writes into <paramref name="directory"/> (created when missing) with <paramref name="format"/> (default <c>ToString()</c>).</summary>
    /// <param name="directory">The output directory.</param>
    /// <param name="format">Turns a record into its line (it must not contain a line break); null for <c>ToString()</c>.</param>
    /// <exception cref="ArgumentException">The directory is empty.</exception>
    public FileSink(string directory, Func<T, string>? format = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _format = format ?? (record => record?.ToString() ?? "");
        _commits = new CommitRecords(Directory);
    }

    /// <summary>The output directory.</summary>
    public string Directory { get; }

    /// <summary>The lines of every committed part file (of every run), ordered by subtask, then checkpoint.</summary>
    public IReadOnlyList<string> ReadCommittedLines() =>
        VisibleParts()
            .OrderBy(p => p.Part.Subtask).ThenBy(p => p.Part.Checkpoint).ThenBy(p => p.Part.Sequence).ThenBy(p => p.Path, StringComparer.Ordinal)
            .SelectMany(p => File.ReadLines(p.Path))
            .ToList();

    /// <summary>The visible part files: what readers see.</summary>
    private IEnumerable<(string Path, PartFileName Part)> VisibleParts() => PartsIn(Directory);

    /// <summary>The part files in <paramref name="folder"/> (none when it does not exist).</summary>
    private static IEnumerable<(string Path, PartFileName Part)> PartsIn(string folder) =>
        !System.IO.Directory.Exists(folder) ? []
            : System.IO.Directory.EnumerateFiles(folder, "part-*.txt")
                .Select(path => (Path: path, Part: PartFileName.Parse(Path.GetFileName(path))))
                .Where(p => p.Part is not null)
                .Select(p => (p.Path, p.Part!.Value));

    /// <inheritdoc />
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, PendingFolder));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, InProgressFolder));
        if (_compaction is not null)
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, CommittedFolder));
            if (!context.CheckpointsEnabled && context.SubtaskIndex == 0)
            {
                context.Logger.LogWarning("{Problem}", FileCompactionRules.WithoutCheckpointing(context.NodeName, context.JobName));
            }
        }
        if (context.JobId != Guid.Empty)
        {
            RunOwnership.Claim(Directory, context.JobId, context.NodeName, context.JobName);
        }
        return new Writer(this, context.SubtaskIndex, context.CheckpointsEnabled, context.JobId, RunOf(context.JobId));
    }

    /// <summary>The run whose names a job run's files carry: the job run id, or this sink's own without checkpoints.</summary>
    private Guid RunOf(Guid jobId) => jobId == Guid.Empty ? _uncheckpointedRun : jobId;

    /// <summary>
    /// Checks before any task starts that the output directory is a directory that can be created and written: a path
    /// that names a file, or a directory without write permission, fails <c>Start</c> at once instead of every restart.
    /// </summary>
    public void ValidateAtStart(bool resumesFromCheckpoint)
    {
        if (File.Exists(Directory))
        {
            throw new JobConfigurationException($"FileSink: the output directory '{Directory}' is a file. Point the sink at a "
                + "directory (it is created when missing), or move the file away.");
        }
        try
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, InProgressFolder));
            string probe = Path.Combine(Directory, InProgressFolder, $".probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new JobConfigurationException($"FileSink: the output directory '{Directory}' cannot be written: {ex.Message} "
                + "Fix its permissions or point the sink elsewhere.", ex);
        }
    }

    /// <summary>
    /// Reads the commit records (<c>.commits/{jobId}-{subtask}</c>), written durably whenever a commit — at a checkpoint's
    /// completion or by a recovery — published a part.
    /// </summary>
    public long? LastCommittedCheckpoint(Guid jobId) => _commits.Newest(jobId);

    /// <summary>
    /// Test hook: called before every step of a writer, a commit, a compaction or a recovery that changes the file
    /// system (operation name, path). Throwing <see cref="Checkpointing.SimulatedCrashException"/> stops the sink there,
    /// as a crash would.
    /// </summary>
    internal Action<string, string>? FaultInjector { get; set; }

    private void Fault(string operation, string path) => FaultInjector?.Invoke(operation, path);

    /// <summary>True when a part named <paramref name="fileName"/> exists pending, hidden (compaction) or visible.</summary>
    private bool PartNameTaken(string fileName) =>
        Path.Exists(Path.Combine(Directory, fileName)) // a directory of that name takes it too
        || Path.Exists(Path.Combine(Directory, PendingFolder, fileName))
        || Path.Exists(Path.Combine(Directory, CommittedFolder, fileName));

    /// <summary>
    /// A name for <paramref name="stem"/> (<c>part-{run}-{subtask}-{suffix}</c>) that no part has anywhere: the same
    /// checkpoint sealed twice by one run (a restore that accepted writing records again), or a file someone put there.
    /// </summary>
    private string FreePartName(string stem)
    {
        string name = stem + ".txt";
        for (int n = 1; PartNameTaken(name); n++)
        {
            name = $"{stem}-{n}.txt";
        }
        return name;
    }

    /// <summary>
    /// Moves a committed part into the directory under its own name — or, should a file of that name be there already
    /// or a directory (not one of this run's: a part moves, it is never copied), under the next free one, so nothing is lost.
    /// </summary>
    private void Publish(string committedPath)
    {
        string name = Path.GetFileName(committedPath);
        string target = Path.Combine(Directory, name);
        if (Path.Exists(target))
        {
            string stem = PartFileName.Parse(name)?.Stem ?? Path.GetFileNameWithoutExtension(name);
            target = Path.Combine(Directory, FreePartName(stem));
        }
        Fault("publish", committedPath);
        File.Move(committedPath, target);
        Checkpointing.DirectorySync.Flush(Directory);
    }
}
