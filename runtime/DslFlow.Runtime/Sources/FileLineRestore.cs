using Microsoft.Extensions.Logging;

namespace DslFlow;

/// <summary>
/// What a <see cref="FileLineSource"/> restore does with the files of a checkpointed share before reading: every file
/// not read to its end must still be the file that was listed (else an error, or a logged skip); files read to their
/// end need nothing, not even to exist. Then bounded sources log files that appeared since the first listing, and
/// continuous ones add them.
/// </summary>
internal static class FileLineRestore
{
    public static void Check(FileLineReader reader, FileLineSource source, NodeContext context)
    {
        FileLineShare share = reader.Share;
        int restoredCurrent = share.Current;
        for (int k = share.Current; k < share.Splits.Count; k++)
        {
            FileSplit split = share.Splits[k];
            if (split.IsRead)
            {
                if (!File.Exists(split.Path))
                {
                    context.Logger.LogDebug("FileLineSource: '{Path}' is gone; it was read to its end, so nothing is missing", split.Path);
                }
                continue;
            }
            if (split.ChangeTo(FileIdentity.Of(split.Path)) is { } change)
            {
                reader.SkipChanged(k, split, change, "since the checkpoint being restored was taken");
                // The batch in flight at the checkpoint came from this file: its emitted records will not come again.
                reader.DroppedRestoredBatch |= k == restoredCurrent;
            }
        }
        if (source.DiscoveryInterval is null)
        {
            LogNewFiles(share, source.Pattern, context);
        }
        else
        {
            reader.Discover();
        }
    }

    /// <summary>
    /// Files that match now but were not in the first listing: a bounded source never reads them. Each is logged by
    /// one share (the one its path hashes to), so a restore logs it once.
    /// </summary>
    private static void LogNewFiles(FileLineShare share, string pattern, NodeContext context)
    {
        string[] now;
        try
        {
            now = FileGlob.Resolve(pattern, allowNoMatch: true);
        }
        catch (JobConfigurationException ex)
        {
            context.Logger.LogDebug("FileLineSource: pattern '{Pattern}' cannot be listed at this restore ({Reason}); its "
                + "checkpointed files are read regardless", pattern, ex.Message);
            return;
        }
        List<string> fresh = [.. now.Where(path => !share.Knows(path)
            && FileDiscovery.OwnerOf(path, context.Parallelism) == context.SubtaskIndex)];
        if (fresh.Count > 0)
        {
            context.Logger.LogInformation("FileLineSource: {Count} file(s) matching '{Pattern}' appeared after the job first "
                + "listed its input; a bounded source does not read them (set DiscoveryInterval to read new files): {Files}",
                fresh.Count, pattern, FileLineSource.Sample(fresh));
        }
    }
}
