using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// Writes one UTF-8 line per record into part files of a directory, exactly once with checkpoints (the part-file
/// life cycle of Flink's <c>FileSink</c>): records go to an in-progress file; at checkpoint n's barrier it is synced and
/// becomes the pending part <c>.pending/part-{subtask}-{n}.txt</c>; when checkpoint n completes, the pending parts up
/// to n move into the directory as <c>part-{subtask}-{n}.txt</c>, where readers see them. After a crash,
/// <see cref="RecoverTransactions"/> commits the pending parts the restored checkpoint covers and deletes the rest.
/// Without checkpoints, each subtask's records become <c>part-{subtask}-end.txt</c> at the end of input. With
/// <see cref="Compaction"/>, committed parts stay hidden until they are merged into larger visible files.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed partial class FileSink<T> : ISink<T>, ITransactionalSink, IStartValidation
{
    private const string PendingFolder = ".pending";
    private const string InProgressFolder = ".inprogress";
    private const string CommitsFolder = ".commits";
    private readonly Func<T, string> _format;

    /// <summary>Writes into <paramref name="directory"/> (created when missing) with <paramref name="format"/> (default <c>ToString()</c>).</summary>
    /// <param name="directory">The output directory.</param>
    /// <param name="format">Turns a record into its line (it must not contain a line break); null for <c>ToString()</c>.</param>
    /// <exception cref="ArgumentException">The directory is empty.</exception>
    public FileSink(string directory, Func<T, string>? format = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _format = format ?? (record => record?.ToString() ?? "");
    }

    /// <summary>The output directory.</summary>
    public string Directory { get; }

    /// <summary>The lines of every committed part file, ordered by subtask, then checkpoint.</summary>
    public IReadOnlyList<string> ReadCommittedLines() =>
        VisibleParts()
            .OrderBy(p => p.Part.Subtask).ThenBy(p => p.Part.Checkpoint).ThenBy(p => p.Part.Sequence).ThenBy(p => p.Path, StringComparer.Ordinal)
            .SelectMany(p => File.ReadLines(p.Path))
            .ToList();

    /// <summary>The visible part files: what readers see.</summary>
    private IEnumerable<(string Path, PartName Part)> VisibleParts() =>
        !System.IO.Directory.Exists(Directory) ? []
            : System.IO.Directory.EnumerateFiles(Directory, "part-*.txt")
                .Select(path => (Path: path, Part: PartName.Parse(Path.GetFileName(path))))
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
        return new Writer(this, context.SubtaskIndex, context.CheckpointsEnabled, context.JobId);
    }

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
    /// Reads the commit records: <c>.commits/{jobId}-{subtask}</c> holds the newest checkpoint whose parts that subtask
    /// published, written durably at each commit that published a part.
    /// </summary>
    public long? LastCommittedCheckpoint(Guid jobId)
    {
        string folder = Path.Combine(Directory, CommitsFolder);
        if (!System.IO.Directory.Exists(folder))
        {
            return null;
        }
        long? newest = null;
        foreach (string path in System.IO.Directory.EnumerateFiles(folder, $"{jobId:N}-*"))
        {
            if (Path.GetExtension(path) == ".tmp")
            {
                continue;
            }
            string text = File.ReadAllText(path).Trim();
            newest = long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long id) && id > (newest ?? 0)
                ? id : newest;
        }
        return newest;
    }

    /// <summary>Records durably that <paramref name="subtask"/> published the parts of <paramref name="checkpointId"/>.</summary>
    private void RecordCommit(Guid jobId, int subtask, long checkpointId)
    {
        if (jobId == Guid.Empty || checkpointId == long.MaxValue)
        {
            return; // no checkpoints: nothing to compare with
        }
        string folder = Path.Combine(Directory, CommitsFolder);
        System.IO.Directory.CreateDirectory(folder);
        string path = Path.Combine(folder, $"{jobId:N}-{subtask}");
        if (File.Exists(path) && long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long known)
            && known >= checkpointId)
        {
            return;
        }
        DurableFile.Write(path, Encoding.ASCII.GetBytes(checkpointId.ToString(CultureInfo.InvariantCulture)));
    }

    /// <inheritdoc />
    public void RecoverTransactions(long? restoredCheckpointId)
    {
        string pending = Path.Combine(Directory, PendingFolder);
        if (System.IO.Directory.Exists(pending))
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(pending))
            {
                if (PartName.Parse(Path.GetFileName(path)) is { } part && part.Checkpoint <= restoredCheckpointId)
                {
                    CommitPart(path);
                }
                else
                {
                    File.Delete(path); // a transaction the restored checkpoint does not cover: its records are replayed
                }
            }
        }
        string inProgress = Path.Combine(Directory, InProgressFolder);
        if (System.IO.Directory.Exists(inProgress))
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(inProgress))
            {
                File.Delete(path);
            }
        }
        RecoverCompaction(); // even with compaction now off: what was committed hidden must become visible
    }

    /// <summary>True when a part named <paramref name="fileName"/> exists pending, hidden (compaction) or visible.</summary>
    private bool PartNameTaken(string fileName) =>
        File.Exists(Path.Combine(Directory, fileName))
        || File.Exists(Path.Combine(Directory, PendingFolder, fileName))
        || File.Exists(Path.Combine(Directory, CommittedFolder, fileName));

    /// <summary>Moves a pending part into the directory; idempotent (a part already there stays).</summary>
    private void Publish(string pendingPath)
    {
        string target = Path.Combine(Directory, Path.GetFileName(pendingPath));
        if (File.Exists(target))
        {
            File.Delete(pendingPath); // committed before a crash; the pending copy is a leftover
            return;
        }
        File.Move(pendingPath, target);
        DirectorySync.TryFlush(Directory);
    }

    /// <summary>
    /// Part file names: <c>part-{subtask}-{checkpoint}[-{n}].txt</c> (the n-th part of that name, see <c>Seal</c>), and
    /// compacted ones <c>part-{subtask}-{first}-to-{last}[-{n}].txt</c> (<see cref="Last"/> set).
    /// </summary>
    private readonly partial record struct PartName(int Subtask, long Checkpoint, int Sequence, long? Last)
    {
        public static PartName? Parse(string fileName)
        {
            Match m = Pattern().Match(fileName);
            if (!m.Success)
            {
                return null;
            }
            return new PartName(
                int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                m.Groups[2].Value == "end" ? long.MaxValue : long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                m.Groups[4].Success ? int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : 0,
                m.Groups[3].Success ? long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : null);
        }

        // Bounded digit counts: a stray file with a huge number is not a part (it would overflow the parse).
        [GeneratedRegex(@"^part-(\d{1,9})-(\d{1,18}|end)(?:-to-(\d{1,18}))?(?:-(\d{1,9}))?\.txt$")]
        private static partial Regex Pattern();
    }

    private sealed class Writer(FileSink<T> sink, int subtask, bool checkpointsEnabled, Guid jobId) : ITwoPhaseCommitWriter<T>
    {
        private readonly string _inProgressPath = Path.Combine(sink.Directory, InProgressFolder, $"part-{subtask}-{Guid.NewGuid():N}.tmp");
        private readonly List<string> _sealed = [];
        private StreamWriter? _file;
        private int _commitsSinceCompaction;
        private bool _inputEnded;

        public void Write(ReadOnlySpan<T> records)
        {
            _file ??= new StreamWriter(new FileStream(_inProgressPath, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024), new UTF8Encoding(false));
            foreach (T record in records)
            {
                _file.Write(sink._format(record));
                _file.Write('\n');
            }
        }

        public void PreCommit(long checkpointId) => Seal(Path.Combine(sink.Directory, PendingFolder), checkpointId.ToString(CultureInfo.InvariantCulture), pending: true);

        public void Commit(long checkpointId)
        {
            long? published = null;
            foreach (string path in _sealed.ToList())
            {
                if (PartName.Parse(Path.GetFileName(path)) is { } part && part.Checkpoint <= checkpointId)
                {
                    sink.CommitPart(path);
                    _sealed.Remove(path);
                    published = Math.Max(published ?? 0, part.Checkpoint);
                }
            }
            if (published is long newest)
            {
                sink.RecordCommit(jobId, subtask, newest);
            }
            if (sink._compaction is { } compaction)
            {
                _commitsSinceCompaction++;
                // The final checkpoint (after the end of input) compacts whatever is left: nothing may stay hidden.
                if (_inputEnded || _commitsSinceCompaction >= compaction.EveryCheckpoints
                    || sink.HiddenParts(subtask).Sum(p => new FileInfo(p.Path).Length) >= compaction.SizeThreshold)
                {
                    sink.Compact(subtask);
                    _commitsSinceCompaction = 0;
                }
            }
        }

        public void Flush()
        {
            _inputEnded = true;
            if (!checkpointsEnabled)
            {
                Seal(sink.Directory, "end", pending: false);
            }
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
            if (sink._compaction is not null)
            {
                try
                {
                    sink.Compact(subtask); // committed parts of a cancelled or failed run become visible now, not at the next start
                }
                catch (IOException)
                {
                    // recovery compacts them when the job starts again
                }
            }
        }

        /// <summary>Syncs the in-progress file and renames it to a part named after <paramref name="suffix"/>.</summary>
        private void Seal(string folder, string suffix, bool pending)
        {
            if (_file is null)
            {
                return; // nothing written since the last barrier: no part
            }
            _file.Flush();
            ((FileStream)_file.BaseStream).Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
            // A name no part has anywhere (pending, hidden or visible): the same checkpoint sealed twice, or an earlier
            // run of the job into this directory whose checkpoint ids started again at 1.
            string name = $"part-{subtask}-{suffix}.txt";
            for (int n = 1; sink.PartNameTaken(name); n++)
            {
                name = $"part-{subtask}-{suffix}-{n}.txt";
            }
            string target = Path.Combine(folder, name);
            File.Move(_inProgressPath, target);
            DirectorySync.TryFlush(folder);
            if (pending)
            {
                _sealed.Add(target);
            }
        }
    }
}
