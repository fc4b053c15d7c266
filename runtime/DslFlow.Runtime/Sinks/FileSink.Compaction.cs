using System.Globalization;
using DslFlow.Checkpointing;

namespace DslFlow;

/// <summary>
/// Compaction (see <see cref="FileCompaction"/>). Committed parts move to the hidden folder <c>.committed/</c>; a
/// compaction concatenates one subtask's hidden parts, in checkpoint order, into <c>.committed/*.tmp</c>, syncs it,
/// renames it to the visible <c>part-{subtask}-{first}-to-{last}.txt</c> (one atomic step: readers see all of it or
/// nothing) and only then deletes the hidden parts. A crash between the rename and the deletes leaves hidden parts
/// that a visible compacted file already covers: recovery recognises them by the checkpoint range in its name and
/// deletes them, so no line is published twice. A single hidden part is published as it is.
/// </summary>
public sealed partial class FileSink<T>
{
    private const string CommittedFolder = ".committed";

    /// <summary>Compacts small part files before they become visible; null (the default) publishes each part at its commit.</summary>
    public FileCompaction? Compaction
    {
        get => _compaction;
        init
        {
            value?.Validate();
            _compaction = value;
        }
    }

    private readonly FileCompaction? _compaction;

    /// <summary>Where a committed part goes: the visible directory, or the hidden folder when compacting.</summary>
    private void CommitPart(string pendingPath)
    {
        if (_compaction is null)
        {
            Publish(pendingPath);
            return;
        }
        string hidden = Path.Combine(Directory, CommittedFolder, Path.GetFileName(pendingPath));
        if (File.Exists(hidden) || File.Exists(Path.Combine(Directory, Path.GetFileName(pendingPath))))
        {
            File.Delete(pendingPath); // moved before a crash; the pending copy is a leftover
            return;
        }
        File.Move(pendingPath, hidden);
        DirectorySync.TryFlush(Path.GetDirectoryName(hidden)!);
    }

    /// <summary>The hidden committed parts of <paramref name="subtask"/> (every subtask when null), in checkpoint order.</summary>
    private List<(string Path, PartName Part)> HiddenParts(int? subtask)
    {
        string folder = Path.Combine(Directory, CommittedFolder);
        if (!System.IO.Directory.Exists(folder))
        {
            return [];
        }
        return System.IO.Directory.EnumerateFiles(folder, "part-*.txt")
            .Select(path => (Path: path, Part: PartName.Parse(Path.GetFileName(path))))
            .Where(p => p.Part is { } part && (subtask is null || part.Subtask == subtask))
            .Select(p => (p.Path, p.Part!.Value))
            .OrderBy(p => p.Value.Checkpoint).ThenBy(p => p.Value.Sequence).ThenBy(p => p.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Merges the hidden parts of <paramref name="subtask"/> into one visible file.</summary>
    private void Compact(int subtask)
    {
        List<(string Path, PartName Part)> parts = HiddenParts(subtask);
        if (parts.Count == 0)
        {
            return;
        }
        if (parts.Count == 1)
        {
            Publish(parts[0].Path);
            return;
        }
        long first = parts[0].Part.Checkpoint;
        long last = parts[^1].Part.Checkpoint;
        string target = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"part-{subtask}-{first}-to-{last}.txt"));
        if (!File.Exists(target))
        {
            string temporary = Path.Combine(Directory, CommittedFolder, $"compacting-{subtask}-{Guid.NewGuid():N}.tmp");
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
            {
                foreach ((string path, PartName _) in parts)
                {
                    using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                    input.CopyTo(output);
                }
                output.Flush(flushToDisk: true);
            }
            File.Move(temporary, target);
            DirectorySync.TryFlush(Directory);
        }
        foreach ((string path, PartName _) in parts)
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Recovery of the hidden folder: drops unfinished compactions and hidden parts a visible file already holds, then
    /// compacts what is left (the subtasks that wrote it may not exist any more after a rescale).
    /// </summary>
    private void RecoverCompaction()
    {
        string folder = Path.Combine(Directory, CommittedFolder);
        if (!System.IO.Directory.Exists(folder))
        {
            return;
        }
        foreach (string temporary in System.IO.Directory.EnumerateFiles(folder, "*.tmp"))
        {
            File.Delete(temporary);
        }
        List<PartName> visible = VisibleParts().Select(p => p.Part).ToList();
        foreach ((string path, PartName part) in HiddenParts(subtask: null))
        {
            bool published = File.Exists(Path.Combine(Directory, Path.GetFileName(path)))
                || visible.Any(v => v.Subtask == part.Subtask && v.Last is long end && v.Checkpoint <= part.Checkpoint && part.Checkpoint <= end);
            if (published)
            {
                File.Delete(path);
            }
        }
        foreach (int subtask in HiddenParts(subtask: null).Select(p => p.Part.Subtask).Distinct().ToList())
        {
            Compact(subtask);
        }
    }
}
