using System.Globalization;
using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

/// <summary>
/// Chooses the checkpoint a job restores, and refuses when restoring would lose or duplicate committed data (Flink
/// refuses too): the newest completed checkpoint whose files all validate and that belongs to this job; past a damaged
/// newer one only when no transactional sink committed a checkpoint newer than the one chosen (else its records would
/// be written again); never "no checkpoint" when completed ones exist but none validates. A named checkpoint
/// (<see cref="CheckpointingOptions.RestoreFrom"/>) is the explicit way out.
/// </summary>
internal sealed class CheckpointSelector(ICheckpointStorage storage, string jobName, string folder, ILogger logger)
{
    /// <summary>The checkpoint to restore, or null to start without one.</summary>
    /// <param name="expected">The identity in the job's folder, or null when it has none yet.</param>
    /// <param name="minimumId">Checkpoints below this id belong to an earlier run and are not considered (StartFresh).</param>
    /// <param name="restoreFrom">The checkpoint the user named, or null for the newest valid one.</param>
    /// <param name="committedBySinks">The newest checkpoint of a job run that any transactional sink committed.</param>
    /// <param name="acceptedCommitted">
    /// A sink commit the user already accepted to repeat by naming an older checkpoint (<c>RestoreFrom</c>) at this run's
    /// start; restarts of the run do not refuse again because of it.
    /// </param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="JobConfigurationException">No checkpoint can be restored safely; the message lists every reason and the ways out.</exception>
    public async Task<RestoredCheckpoint?> SelectAsync(JobIdentity? expected, long minimumId, string? restoreFrom,
        Func<Guid, long?> committedBySinks, long? acceptedCommitted, CancellationToken cancellationToken)
    {
        List<long> completed = [.. storage.ListCompletedCheckpoints().Where(id => id >= minimumId).OrderDescending()];
        if (restoreFrom is not null)
        {
            return await RestoreNamedAsync(ParseName(restoreFrom), completed, expected, cancellationToken).ConfigureAwait(false);
        }
        var skipped = new List<(long Id, string Reason)>();
        RestoredCheckpoint? chosen = null;
        foreach (long id in completed)
        {
            string? reason = null;
            try
            {
                chosen = await LoadAsync(id, expected, cancellationToken).ConfigureAwait(false);
                if (chosen is not null)
                {
                    break;
                }
                reason = $"its {CheckpointPaths.MetadataFileName} disappeared while the job started";
            }
            catch (CheckpointCorruptedException ex)
            {
                reason = ex.Problem is { Length: > 0 } ? $"{ex.FilePath} {ex.Problem}" : ex.Message;
            }
            catch (IOException ex)
            {
                reason = $"reading it failed: {ex.Message}";
            }
            skipped.Add((id, reason));
        }
        // Without an identity file (deleted or never written), the run is the one the restorable checkpoint names.
        Guid? run = expected?.JobId ?? chosen?.Job?.JobId;
        long? committed = run is Guid jobId ? committedBySinks(jobId) : null;
        List<long> partial = [.. storage.ListPartialCheckpoints()];
        foreach (long id in partial)
        {
            // A sink commits a checkpoint only after its metadata was written: without it now, it was lost or deleted.
            if (id >= minimumId && id <= committed && id > (chosen?.CheckpointId ?? 0))
            {
                skipped.Add((id, $"it has no {CheckpointPaths.MetadataFileName}, although a sink committed it (deleted or lost)"));
            }
        }
        if (committed is long last && last > (chosen?.CheckpointId ?? 0) && !completed.Contains(last) && !partial.Contains(last))
        {
            skipped.Add((last, "its directory is missing, although a sink committed it (was the folder restored from an older backup?)"));
        }
        skipped.Sort((a, b) => b.Id.CompareTo(a.Id));
        if (chosen is null)
        {
            if (skipped.Count > 0)
            {
                throw new JobConfigurationException($"Job '{jobName}' cannot start: none of its completed checkpoints in "
                    + $"'{folder}' can be restored ({Describe(skipped)}). Starting without one would read the input from "
                    + "its beginning and write output that sinks already committed a second time. Repair or restore the "
                    + "files; or restore an older checkpoint you name (CheckpointingOptions.RestoreFrom); or set "
                    + "CheckpointingOptions.StartFresh to start over deliberately.");
            }
            if (committed is long lost)
            {
                throw new JobConfigurationException($"Job '{jobName}' cannot start: a transactional sink committed checkpoint "
                    + $"{lost} of this job, but '{folder}' holds no completed checkpoint of it (was the folder emptied or "
                    + "its metadata deleted?). Starting without one would write committed output again. Restore the "
                    + "checkpoint files, or set CheckpointingOptions.StartFresh to start over deliberately.");
            }
            return null;
        }
        if (committed is long newer && newer > chosen.CheckpointId && newer > (acceptedCommitted ?? 0))
        {
            throw new JobConfigurationException($"Job '{jobName}' cannot start: its newest checkpoints in '{folder}' are "
                + $"damaged ({Describe(skipped)}), and a transactional sink already committed checkpoint {newer}. Falling back "
                + $"to checkpoint {chosen.CheckpointId} would write the records committed after it a second time. Repair "
                + $"the damaged files; or restore checkpoint {chosen.CheckpointId} anyway and accept those duplicates "
                + $"(CheckpointingOptions.RestoreFrom = \"{CheckpointPaths.DirectoryName(chosen.CheckpointId)}\"); or set "
                + "CheckpointingOptions.StartFresh to start over.");
        }
        if (skipped.Count > 0)
        {
            logger.LogWarning("Job {Job} cannot restore its newest {Checkpoints} in {Folder} ({Skipped}); it restores the older "
                + "checkpoint {UsedId} instead. Its sources resume from checkpoint {UsedId}, so the records they read after it "
                + "are processed again: {SinkOutput}", jobName, skipped.Count == 1 ? "checkpoint" : "checkpoints", folder,
                Describe(skipped), chosen.CheckpointId, chosen.CheckpointId, SinkOutputAfter(chosen.CheckpointId, committed));
        }
        logger.LogInformation("Job {Job} restores checkpoint {CheckpointId} from {Folder}", jobName, chosen.CheckpointId, folder);
        return chosen;
    }

    private async Task<RestoredCheckpoint> RestoreNamedAsync(long id, List<long> completed, JobIdentity? expected,
        CancellationToken cancellationToken)
    {
        if (!completed.Contains(id))
        {
            throw new JobConfigurationException($"Job '{jobName}' cannot restore {CheckpointPaths.DirectoryName(id)} "
                + $"(CheckpointingOptions.RestoreFrom): it is not a completed checkpoint in '{folder}' (completed: "
                + $"{(completed.Count == 0 ? "none" : string.Join(", ", completed.Order().Select(CheckpointPaths.DirectoryName)))}).");
        }
        try
        {
            RestoredCheckpoint restored = await LoadAsync(id, expected, cancellationToken).ConfigureAwait(false)
                ?? throw new CheckpointCorruptedException(id, CheckpointPaths.RelativeMetadataPath(id), "disappeared");
            logger.LogWarning("Job {Job} restores checkpoint {CheckpointId}, as CheckpointingOptions.RestoreFrom says; records "
                + "sinks committed after it are written again", jobName, id);
            return restored;
        }
        catch (Exception ex) when (ex is CheckpointCorruptedException or IOException)
        {
            throw new JobConfigurationException($"Job '{jobName}' cannot restore {CheckpointPaths.DirectoryName(id)} "
                + $"(CheckpointingOptions.RestoreFrom): {ex.Message}", ex);
        }
    }

    private async Task<RestoredCheckpoint?> LoadAsync(long id, JobIdentity? expected, CancellationToken cancellationToken)
    {
        CheckpointMetadata? metadata = await storage.LoadCheckpointAsync(id, cancellationToken).ConfigureAwait(false);
        if (metadata is null)
        {
            return null;
        }
        CheckIdentity(metadata, expected);
        return await RestoredCheckpoint.LoadAsync(storage, metadata, cancellationToken).ConfigureAwait(false);
    }

    private void CheckIdentity(CheckpointMetadata metadata, JobIdentity? expected)
    {
        if (metadata.Job is not { } owner)
        {
            logger.LogInformation("Checkpoint {CheckpointId} in {Folder} names no job (written by an earlier DslFlow version); "
                + "it is restored as job {Job}'s", metadata.CheckpointId, folder, jobName);
            return;
        }
        if (owner.JobName != jobName || (expected is not null && owner.JobId != expected.JobId))
        {
            string mine = expected is null ? $"job '{jobName}'" : expected.ToString();
            throw new JobConfigurationException($"Checkpoint {metadata.CheckpointId} in '{folder}' belongs to {owner}, not to "
                + $"{mine}: restoring another job's state would resume its positions and skip or repeat this job's output. "
                + "Point this job at its own checkpoint folder (PipelineOptions.JobName, CheckpointingOptions.Directory), "
                + "move the foreign checkpoint away, or set CheckpointingOptions.StartFresh.");
        }
    }

    /// <summary>What restoring <paramref name="restored"/> means for the output of sinks (the selector refused already when it would repeat committed output the user did not accept).</summary>
    private static string SinkOutputAfter(long restored, long? committed) => committed > restored
        ? $"a transactional sink committed checkpoint {committed} already, so the output it committed after checkpoint "
            + $"{restored} is written a second time, as accepted when this run started with CheckpointingOptions.RestoreFrom; "
            + "other sinks may write it a second time too."
        : $"transactional sinks that record their commits (ITransactionalSink.LastCommittedCheckpoint, as FileSink does) "
            + $"committed nothing after checkpoint {restored}, so they write nothing twice; other sinks may write the output "
            + "of those records a second time.";

    private static string Describe(List<(long Id, string Reason)> skipped) =>
        string.Join("; ", skipped.Select(s => $"{CheckpointPaths.DirectoryName(s.Id)}: {s.Reason.TrimEnd('.')}"));

    private long ParseName(string name)
    {
        string last = Path.GetFileName(Path.TrimEndingDirectorySeparator(name.Trim()));
        long? id = CheckpointPaths.ParseDirectoryName(last)
            ?? (long.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out long plain) && plain >= 1 ? plain : null);
        bool outside = name.IndexOfAny(['/', '\\']) >= 0
            && !string.Equals(Path.GetDirectoryName(Path.GetFullPath(Path.TrimEndingDirectorySeparator(name.Trim()))),
                Path.TrimEndingDirectorySeparator(folder), StringComparison.Ordinal);
        if (id is null || outside)
        {
            throw new JobConfigurationException($"CheckpointingOptions.RestoreFrom is '{name}': name a checkpoint of job "
                + $"'{jobName}' as 'chk-7', '7' or the path of a chk-{{id}} directory in '{folder}'"
                + (outside ? " (it lies elsewhere; copy it into the job's folder first)" : "") + ".");
        }
        return id.Value;
    }
}
