using System.Globalization;
using DslFlow.Checkpointing;

namespace DslFlow;

/// <summary>
/// Compaction (see <see cref="FileCompaction"/>). Committed parts move to the hidden folder <c>.committed/</c>; a
/// compaction concatenates one subtask's hidden parts, in checkpoint order, into a temporary file there and syncs it,
/// writes a manifest (<see cref="CompactionManifest"/>) naming the temporary file, the merged parts and the target,
/// renames the temporary file to the visible <c>part-{run}-{subtask}-{first}-to-{last}.txt</c> (one atomic step: readers
/// see all of it or nothing), records the publication in the manifest, deletes the merged parts and finally the
/// manifest. After a crash, a manifest that records the publication — or whose temporary file is gone, which only the
/// rename does (a rollback deletes the manifest before the temporary file) — means the parts were published: they are deleted, whatever a consumer did with the visible file since;
/// otherwise the merge never became visible and its parts stay. So no line is published twice or lost. A single
/// hidden part is published as it is.
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

    private string HiddenFolder => Path.Combine(Directory, CommittedFolder);

    /// <summary>Where a committed part goes: the visible directory, or the hidden folder when compacting.</summary>
    private void CommitPart(string pendingPath)
    {
        if (_compaction is null)
        {
            Publish(pendingPath);
            return;
        }
        string folder = System.IO.Directory.CreateDirectory(HiddenFolder).FullName; // also at recovery, before any writer
        Fault("commit.hide", pendingPath);
        File.Move(pendingPath, Path.Combine(folder, Path.GetFileName(pendingPath))); // sealed names are unique across folders
        DirectorySync.Flush(folder);
    }

    /// <summary>The hidden committed parts of <paramref name="run"/> (of <paramref name="subtask"/>, or every one when null), in checkpoint order.</summary>
    private List<(string Path, PartFileName Part)> HiddenParts(Guid run, int? subtask) =>
        PartsIn(HiddenFolder)
            .Where(p => p.Part.Of(run) && (subtask is null || p.Part.Subtask == subtask))
            .OrderBy(p => p.Part.Checkpoint).ThenBy(p => p.Part.Sequence).ThenBy(p => p.Path, StringComparer.Ordinal)
            .ToList();

    /// <summary>Merges the hidden parts of one subtask of <paramref name="run"/> into one visible file.</summary>
    private void Compact(Guid run, int subtask)
    {
        FinishInterruptedCompactions(CompactionManifest.Prefix(run, subtask));
        List<(string Path, PartFileName Part)> parts = HiddenParts(run, subtask);
        if (parts.Count == 0)
        {
            return;
        }
        if (parts.Count == 1)
        {
            Publish(parts[0].Path);
            return;
        }
        string folder = HiddenFolder;
        string target = FreePartName(string.Create(CultureInfo.InvariantCulture,
            $"{PartFileName.Prefix(run, subtask)}{parts[0].Part.Checkpoint}-to-{parts[^1].Part.Checkpoint}"));
        string stem = $"{CompactionManifest.Prefix(run, subtask)}{Guid.NewGuid():N}";
        string temporary = Path.Combine(folder, stem + ".tmp");
        Fault("compact.merge", temporary);
        using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
        {
            foreach ((string path, PartFileName _) in parts)
            {
                using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024);
                input.CopyTo(output);
            }
            output.Flush(flushToDisk: true);
        }
        var manifest = new CompactionManifest(Path.Combine(folder, stem + CompactionManifest.Extension), target,
            Path.GetFileName(temporary), [.. parts.Select(p => Path.GetFileName(p.Path))], Published: false);
        Fault("compact.manifest", manifest.Path);
        manifest.Write();
        Fault("compact.publish", temporary);
        File.Move(temporary, Path.Combine(Directory, target));
        DirectorySync.Flush(Directory);
        Fault("compact.record", manifest.Path);
        manifest = manifest with { Published = true };
        manifest.Write();
        DeleteMergedParts(manifest);
    }

    /// <summary>Deletes the parts a published merge holds, then its manifest.</summary>
    private void DeleteMergedParts(CompactionManifest manifest)
    {
        foreach (string part in manifest.Parts)
        {
            string path = Path.Combine(HiddenFolder, part);
            Fault("compact.delete", path);
            File.Delete(path); // no error when a crash already deleted it
        }
        Fault("compact.done", manifest.Path);
        File.Delete(manifest.Path);
    }

    /// <summary>
    /// Completes or rolls back the compactions (of the manifests named <paramref name="prefix"/>*) a crash interrupted:
    /// a published merge has its parts deleted; an unpublished one loses its temporary file, and its parts stay. It never
    /// meets a live compaction: one writer per subtask of a run compacts, under the sink's gate, which a recovery takes
    /// too (and after which the writers of the cancelled attempt no longer compact).
    /// </summary>
    private void FinishInterruptedCompactions(string prefix)
    {
        if (!System.IO.Directory.Exists(HiddenFolder))
        {
            return;
        }
        foreach (string path in System.IO.Directory.EnumerateFiles(HiddenFolder, prefix + "*" + CompactionManifest.Extension).ToList())
        {
            CompactionManifest manifest = CompactionManifest.Read(path);
            string temporary = Path.Combine(HiddenFolder, manifest.Temporary);
            if (manifest.Published || !File.Exists(temporary))
            {
                DeleteMergedParts(manifest);
            }
            else
            {
                // The manifest first: once it is gone the temporary file is a leftover any recovery deletes, while a
                // manifest left without its temporary file would read as "published" and cost the parts.
                Fault("compact.rollback", path);
                File.Delete(path);
                Fault("compact.rollback.temporary", temporary);
                File.Delete(temporary);
            }
        }
    }

    /// <summary>
    /// Recovery of the run's hidden files: finishes interrupted compactions, drops temporary files, then compacts what
    /// is left (the subtasks that wrote it may not exist any more after a rescale).
    /// </summary>
    private void RecoverCompaction(Guid run)
    {
        if (!System.IO.Directory.Exists(HiddenFolder))
        {
            return;
        }
        FinishInterruptedCompactions(CompactionManifest.Prefix(run));
        foreach (string temporary in System.IO.Directory.EnumerateFiles(HiddenFolder, CompactionManifest.Prefix(run) + "*.tmp").ToList())
        {
            File.Delete(temporary);
        }
        foreach (int subtask in HiddenParts(run, subtask: null).Select(p => p.Part.Subtask).Distinct().ToList())
        {
            Compact(run, subtask);
        }
    }
}
