using Microsoft.Extensions.Logging;

namespace DslFlow;

public sealed partial class FileSink<T>
{
    /// <summary>
    /// Upgrade from DslFlow versions whose part names carried no run id (<c>part-{subtask}-{n}.txt</c>): a job stopped
    /// with a checkpoint by such a version can leave that checkpoint's parts pending, or committed but hidden. A restore
    /// of checkpoint <paramref name="restored"/> takes them as its run's: pending parts up to it are committed (later
    /// ones are left: their records are replayed), hidden ones published. Hidden parts an old compaction manifest names
    /// are left alone — whether that merge was published cannot be told — and logged.
    /// </summary>
    private void AdoptUnnamedParts(Guid run, long restored, ILogger logger)
    {
        int adopted = 0;
        foreach ((string path, PartFileName part) in PartsIn(Path.Combine(Directory, PendingFolder)).Where(p => p.Part.Run is null).ToList())
        {
            if (part.Checkpoint <= restored)
            {
                string renamed = Path.Combine(Path.GetDirectoryName(path)!, FreePartName(PartFileName.Prefix(run, part.Subtask)
                    + Path.GetFileName(path)[$"part-{part.Subtask}-".Length..^".txt".Length]));
                File.Move(path, renamed);
                CommitPart(renamed);
                adopted++;
            }
        }
        bool oldManifests = System.IO.Directory.Exists(HiddenFolder)
            && System.IO.Directory.EnumerateFiles(HiddenFolder, "compacting-*" + CompactionManifest.Extension)
                .Any(m => !Path.GetFileName(m).StartsWith(CompactionManifest.Prefix(run), StringComparison.Ordinal)
                    && IsUnnamedManifest(m));
        if (oldManifests)
        {
            logger.LogWarning("FileSink: {Folder} holds a compaction of an earlier DslFlow version that a crash interrupted; "
                + "its hidden parts are left there. If the merged file its .manifest names (first line) is published, delete "
                + "the parts it lists; otherwise move them into {Directory}.", HiddenFolder, Directory);
        }
        else
        {
            foreach ((string path, PartFileName _) in PartsIn(HiddenFolder).Where(p => p.Part.Run is null).ToList())
            {
                Publish(path);
                adopted++;
            }
        }
        if (adopted > 0)
        {
            logger.LogInformation("FileSink: adopted {Count} part files named by an earlier DslFlow version in {Directory} "
                + "for restored checkpoint {CheckpointId}", adopted, Directory, restored);
        }
    }

    /// <summary>A manifest of versions before run ids: its first line is the target, not the format header.</summary>
    private static bool IsUnnamedManifest(string path) =>
        File.ReadLines(path).FirstOrDefault() is { } first && first.StartsWith("part-", StringComparison.Ordinal);
}
