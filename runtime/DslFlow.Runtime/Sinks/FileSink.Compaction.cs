using System.Globalization;
using DslFlow.Checkpointing;

namespace DslFlow;

/// <summary>
/// Compaction (see <see cref="FileCompaction"/>). Committed parts move to the hidden folder <c>.committed/</c>; a
/// compaction concatenates one subtask's hidden parts, in checkpoint order, into <c>.committed/*.tmp</c> and syncs it,
/// writes a manifest naming the merged parts and the target, renames the merged file to the visible
/// <c>part-{subtask}-{first}-to-{last}.txt</c> (one atomic step: readers see all of it or nothing), deletes the merged
/// parts and finally the manifest. After a crash, a manifest whose target is visible means its parts were published:
/// they are deleted; one whose target is missing was never published: its parts stay. So no line is published twice
/// or lost, whatever names earlier runs left in the directory. A single hidden part is published as it is.
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
        string folder = System.IO.Directory.CreateDirectory(Path.Combine(Directory, CommittedFolder)).FullName; // also at recovery, before any writer
        File.Move(pendingPath, Path.Combine(folder, Path.GetFileName(pendingPath))); // sealed names are unique across folders
        DirectorySync.TryFlush(folder);
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
        FinishInterruptedCompactions(subtask);
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
        string folder = Path.Combine(Directory, CommittedFolder);
        string name = string.Create(CultureInfo.InvariantCulture, $"part-{subtask}-{parts[0].Part.Checkpoint}-to-{parts[^1].Part.Checkpoint}");
        string target = name + ".txt";
        for (int n = 1; PartNameTaken(target); n++)
        {
            target = string.Create(CultureInfo.InvariantCulture, $"{name}-{n}.txt"); // an earlier run's ids overlap these
        }
        string token = Guid.NewGuid().ToString("N");
        string temporary = Path.Combine(folder, $"compacting-{subtask}-{token}.tmp");
        using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            foreach ((string path, PartName _) in parts)
            {
                using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                input.CopyTo(output);
            }
            output.Flush(flushToDisk: true);
        }
        string manifest = Path.Combine(folder, $"compacting-{subtask}-{token}.manifest");
        WriteSynced(manifest, [target, .. parts.Select(p => Path.GetFileName(p.Path))]);
        DirectorySync.TryFlush(folder);
        File.Move(temporary, Path.Combine(Directory, target));
        DirectorySync.TryFlush(Directory);
        foreach ((string path, PartName _) in parts)
        {
            File.Delete(path);
        }
        File.Delete(manifest);
    }

    /// <summary>
    /// Completes or rolls back the compactions of <paramref name="subtask"/> (every subtask when null, at recovery) a
    /// crash interrupted: a manifest whose target is visible had its parts published (delete them); otherwise the merge
    /// never became visible (its parts stay). Only one writer per subtask compacts, so this never meets a live one.
    /// </summary>
    private void FinishInterruptedCompactions(int? subtask)
    {
        string folder = Path.Combine(Directory, CommittedFolder);
        if (!System.IO.Directory.Exists(folder))
        {
            return;
        }
        string pattern = subtask is int s ? string.Create(CultureInfo.InvariantCulture, $"compacting-{s}-*.manifest") : "*.manifest";
        foreach (string manifest in System.IO.Directory.EnumerateFiles(folder, pattern).ToList())
        {
            string[] lines = File.ReadAllLines(manifest);
            if (lines.Length > 0 && File.Exists(Path.Combine(Directory, lines[0])))
            {
                foreach (string part in lines.Skip(1))
                {
                    File.Delete(Path.Combine(folder, part));
                }
            }
            File.Delete(manifest);
        }
    }

    /// <summary>
    /// Recovery of the hidden folder: finishes interrupted compactions, drops temporary files, then compacts what is
    /// left (the subtasks that wrote it may not exist any more after a rescale).
    /// </summary>
    private void RecoverCompaction()
    {
        string folder = Path.Combine(Directory, CommittedFolder);
        if (!System.IO.Directory.Exists(folder))
        {
            return;
        }
        FinishInterruptedCompactions(subtask: null);
        foreach (string temporary in System.IO.Directory.EnumerateFiles(folder, "*.tmp"))
        {
            File.Delete(temporary);
        }
        foreach (int subtask in HiddenParts(subtask: null).Select(p => p.Part.Subtask).Distinct().ToList())
        {
            Compact(subtask);
        }
    }

    private static void WriteSynced(string path, IEnumerable<string> lines)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true))
        {
            foreach (string line in lines)
            {
                writer.WriteLine(line);
            }
        }
        stream.Flush(flushToDisk: true);
    }
}
