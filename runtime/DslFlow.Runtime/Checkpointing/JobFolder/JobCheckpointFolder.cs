using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

/// <summary>
/// The folder of one job inside the checkpoint directory, <c>{Directory}/{JobName}/</c> (Flink:
/// <c>&lt;dir&gt;/&lt;jobId&gt;/chk-n</c>): its checkpoints, <c>checkpoint-stats.json</c>, the job's identity
/// (<c>_job</c>), the finished marker (<c>_finished</c>) and the lock that keeps a second running job out. Opening it
/// refuses a checkpoint directory of the earlier layout (checkpoints directly in <c>{Directory}</c>) instead of
/// silently starting fresh beside them.
/// </summary>
internal sealed class JobCheckpointFolder : IDisposable
{
    public const string IdentityFileName = "_job";
    public const string FinishedFileName = "_finished";
    private readonly JobFolderLock _lock;

    private JobCheckpointFolder(string path, JobFolderLock folderLock, JobIdentity? identity, bool previousRunFinished)
    {
        FolderPath = path;
        _lock = folderLock;
        StoredIdentity = identity;
        PreviousRunFinished = previousRunFinished;
    }

    /// <summary>The absolute job folder.</summary>
    public string FolderPath { get; }

    /// <summary>The identity recorded in <c>_job</c>, or null when the folder has none yet.</summary>
    public JobIdentity? StoredIdentity { get; private set; }

    /// <summary>True when the previous run finished (its checkpoints are discarded; this run is a new one).</summary>
    public bool PreviousRunFinished { get; }

    /// <summary>Takes the job's folder: validates the name, refuses the old layout, locks, and reads the identity.</summary>
    /// <exception cref="JobConfigurationException">The name cannot be a folder, the old layout is present, or another job holds the folder.</exception>
    public static JobCheckpointFolder Open(string checkpointDirectory, string jobName, bool startFresh, ILogger logger)
    {
        if (JobIdentity.ProblemWithName(jobName) is string problem)
        {
            throw new JobConfigurationException($"The job name '{jobName}' cannot name its checkpoint folder: {problem}. "
                + "Set PipelineOptions.JobName to letters, digits, '-', '_' or '.' (for example 'orders-ledger').");
        }
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkpointDirectory));
        if (File.Exists(root))
        {
            throw new JobConfigurationException($"The checkpoint directory '{root}' is a file. Point "
                + "CheckpointingOptions.Directory at a directory, or move the file away.");
        }
        string folder = Path.Combine(root, jobName);
        if (!startFresh)
        {
            RefuseOldLayout(root, folder, jobName);
        }
        DirectorySync.CreateDirectory(folder); // and the checkpoint root, each synced into its parent
        JobFolderLock folderLock = JobFolderLock.Acquire(folder, jobName);
        try
        {
            JobIdentity? identity = ReadIdentity(folder, jobName);
            bool finished = File.Exists(Path.Combine(folder, FinishedFileName));
            var opened = new JobCheckpointFolder(folder, folderLock, identity, finished);
            if (finished)
            {
                logger.LogInformation("Job {Job}: the previous run finished; this start is a new run", jobName);
            }
            return opened;
        }
        catch
        {
            folderLock.Dispose();
            throw;
        }
    }

    /// <summary>Records the identity of the run that starts now (a new run, or the one adopted from a checkpoint).</summary>
    public void WriteIdentity(JobIdentity identity)
    {
        if (identity == StoredIdentity)
        {
            return;
        }
        DurableFile.Write(Path.Combine(FolderPath, IdentityFileName), JobIdentity.Utf8(identity.Encode()));
        StoredIdentity = identity;
    }

    /// <summary>
    /// Marks the run finished, durably, before its checkpoints are discarded: a crash half-way through the discard
    /// then leaves a folder whose leftovers the next start deletes instead of restoring (they are of a finished run).
    /// </summary>
    public void MarkFinished() =>
        DurableFile.Write(Path.Combine(FolderPath, FinishedFileName), JobIdentity.Utf8(StoredIdentity?.Encode() ?? ""));

    /// <summary>Removes the finished marker once a new run took over the folder.</summary>
    public void ClearFinished() => DurableFile.Delete(Path.Combine(FolderPath, FinishedFileName));

    public void Dispose() => _lock.Dispose();

    private static JobIdentity? ReadIdentity(string folder, string jobName)
    {
        string path = Path.Combine(folder, IdentityFileName);
        if (!File.Exists(path))
        {
            return null;
        }
        JobIdentity? identity = JobIdentity.Decode(File.ReadAllText(path));
        if (identity is null)
        {
            throw new JobConfigurationException($"The job identity file '{path}' is damaged (it is not a DslFlow job "
                + "identity). Restore it from a backup, or delete it to let the job adopt the identity of its newest checkpoint.");
        }
        if (identity.JobName != jobName)
        {
            throw new JobConfigurationException($"The checkpoint folder '{folder}' belongs to job '{identity.JobName}' "
                + $"(id {identity.JobId:D}), not to job '{jobName}'. Was the folder copied or renamed? Give it back its "
                + "name, or start this job with its own folder.");
        }
        return identity;
    }

    private static void RefuseOldLayout(string root, string folder, string jobName)
    {
        if (!Directory.Exists(root) || File.Exists(Path.Combine(folder, IdentityFileName)))
        {
            return;
        }
        var old = Directory.EnumerateDirectories(root, "chk-*")
            .Where(d => CheckpointPaths.ParseDirectoryName(Path.GetFileName(d)) is not null
                && File.Exists(Path.Combine(d, CheckpointPaths.MetadataFileName)))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (old.Count == 0)
        {
            return;
        }
        throw new JobConfigurationException($"'{root}' holds checkpoints in the layout of an earlier DslFlow version "
            + $"({string.Join(", ", old)} directly in the checkpoint directory); this version keeps each job's checkpoints in "
            + $"its own folder, '{folder}'. If they are this job's, move them there before starting: mkdir -p '{folder}' && "
            + $"mv '{root}'/chk-* '{folder}/'. Otherwise move them away. Set CheckpointingOptions.StartFresh to start "
            + "without them. The job does not start fresh on its own: that would replay its input over committed output.");
    }
}
