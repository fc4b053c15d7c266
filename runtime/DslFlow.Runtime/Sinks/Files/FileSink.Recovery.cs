using Microsoft.Extensions.Logging;

namespace DslFlow;

public sealed partial class FileSink<T>
{
    /// <summary>
    /// Recovers the job run's own files only — those whose names carry its run id: commits its pending parts up to the
    /// restored checkpoint (completed, but the commit may not have reached the sink) and records that commit, deletes
    /// its later pending parts and its in-progress files (the sources replay their records), and finishes its
    /// interrupted compactions. Parts named by DslFlow versions before run ids are adopted by a restore (see
    /// <c>AdoptUnnamedParts</c>). Files of other jobs and runs sharing the directory are left alone, and logged.
    /// </summary>
    /// <exception cref="JobConfigurationException">Another sink of the same job run writes into this directory.</exception>
    public void RecoverTransactions(SinkRecoveryContext recovery)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        if (recovery.JobId == Guid.Empty)
        {
            LogOthers(recovery, run: null); // no checkpoints: nothing of an earlier run is this run's to recover
            return;
        }
        lock (_gate)
        {
            _recoveries++; // writers of earlier attempts are stale from now on
            Recover(recovery.JobId, recovery);
        }
    }

    private void Recover(Guid run, SinkRecoveryContext recovery)
    {
        RunOwnership.Claim(Directory, run, recovery.NodeName, recovery.JobName);
        if (recovery.RestoredCheckpointId is long restored)
        {
            AdoptUnnamedParts(run, restored, recovery.Logger);
        }
        var published = new Dictionary<int, long>();
        foreach ((string path, PartFileName part) in PartsIn(Path.Combine(Directory, PendingFolder)).Where(p => p.Part.Of(run)).ToList())
        {
            if (part.Checkpoint <= recovery.RestoredCheckpointId)
            {
                CommitPart(path);
                published[part.Subtask] = Math.Max(part.Checkpoint, published.GetValueOrDefault(part.Subtask));
            }
            else
            {
                Fault("recover.discard", path);
                File.Delete(path); // a transaction the restored checkpoint does not cover: its records are replayed
            }
        }
        foreach ((int subtask, long checkpoint) in published)
        {
            Fault("commit.record", Directory);
            _commits.Record(run, subtask, checkpoint); // the restore guard must know of these commits too
        }
        string inProgress = Path.Combine(Directory, InProgressFolder);
        if (System.IO.Directory.Exists(inProgress))
        {
            foreach (string path in System.IO.Directory.EnumerateFiles(inProgress, PartFileName.Prefix(run) + "*").ToList())
            {
                Fault("recover.discard", path);
                File.Delete(path);
            }
        }
        RecoverCompaction(run); // even with compaction now off: what was committed hidden must become visible
        LogOthers(recovery, run);
    }

    /// <summary>
    /// Says what other jobs or runs left here, which this recovery leaves alone: their pending and in-progress files
    /// are not committed (a run that is never restored again leaves them as garbage); their hidden committed parts
    /// are output that run's restore publishes — should it never be restored, they must be moved into the directory.
    /// </summary>
    private void LogOthers(SinkRecoveryContext recovery, Guid? run)
    {
        int uncommitted = CountOthers(PendingFolder, run) + CountOthers(InProgressFolder, run);
        int hidden = CountOthers(CommittedFolder, run);
        if (uncommitted > 0)
        {
            recovery.Logger.LogInformation("FileSink {Node} of job {Job}: {Directory} holds {Count} uncommitted pending or "
                + "in-progress files of other jobs or runs; they are left alone (a job recovers only the files its run "
                + "wrote). Those of runs that will never be restored can be deleted once no job writes there.",
                recovery.NodeName, recovery.JobName, Directory, uncommitted);
        }
        if (hidden > 0)
        {
            recovery.Logger.LogWarning("FileSink {Node} of job {Job}: {Folder} holds {Count} committed parts of other jobs or "
                + "runs that are not yet compacted (their run stopped before compacting them). They are output: the next "
                + "restore of their run publishes them. If that run will never be restored (it was replaced with "
                + "StartFresh), move its parts from {Folder} into {Directory} by hand once no job writes there.",
                recovery.NodeName, recovery.JobName, HiddenFolder, hidden, HiddenFolder, Directory);
        }
    }

    /// <summary>Files in <paramref name="folder"/> not of <paramref name="run"/> (every file when null): parts, compactions.</summary>
    private int CountOthers(string folder, Guid? run)
    {
        string path = Path.Combine(Directory, folder);
        if (!System.IO.Directory.Exists(path))
        {
            return 0;
        }
        return System.IO.Directory.EnumerateFiles(path)
            .Select(Path.GetFileName)
            .Where(name => name!.StartsWith("part-", StringComparison.Ordinal) || name.StartsWith("compacting-", StringComparison.Ordinal))
            .Count(name => run is not Guid own || !(name!.StartsWith(PartFileName.Prefix(own), StringComparison.Ordinal)
                || name.StartsWith(CompactionManifest.Prefix(own), StringComparison.Ordinal)));
    }
}
