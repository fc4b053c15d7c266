using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

public sealed partial class LocalCheckpointStorage
{
    /// <inheritdoc/>
    public async Task CompleteCheckpointAsync(CheckpointMetadata metadata, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        long id = metadata.CheckpointId;
        CheckId(id);
        CheckCompletable(metadata);
        List<StateHandle> shared = [.. SharedHandles(metadata)];
        lock (_gate)
        {
            if (_aborted.Contains(id))
            {
                throw new InvalidOperationException($"Checkpoint {id} was aborted and its files deleted; it cannot be "
                    + "completed. The coordinator must not complete a checkpoint after aborting it.");
            }
            CheckSharedFilesPresent(metadata); // under the lock deletion takes: nothing it checked can go before the metadata
            _completing.Add(id); // retention and subsumption leave it alone until its metadata is written or given up
            if (shared.Count > 0)
            {
                Registry.Hold(id, shared.Select(handle => handle.RelativePath));
            }
        }
        bool written = false;
        try
        {
            await WriteMetadataAsync(metadata, cancellationToken).ConfigureAwait(false);
            written = true;
        }
        finally
        {
            lock (_gate)
            {
                _completing.Remove(id);
                if (shared.Count > 0)
                {
                    if (written)
                    {
                        Registry.Register(id, shared);
                    }
                    Registry.Release(id);
                }
            }
        }
        lock (_gate)
        {
            _highestCompleted = Math.Max(_highestCompleted, id);
            _aborted.RemoveWhere(aborted => aborted <= _highestCompleted);
        }
        _logger.LogDebug("Checkpoint {CheckpointId} completed: {Metadata}", id, _paths.MetadataFile(id));
        ApplyRetention(id);
    }

    private async Task WriteMetadataAsync(CheckpointMetadata metadata, CancellationToken cancellationToken)
    {
        long id = metadata.CheckpointId;
        string directory = _paths.CheckpointDirectory(id);
        string final = _paths.MetadataFile(id);
        if (File.Exists(final))
        {
            throw new InvalidOperationException($"Checkpoint {id} is already completed ('{final}' exists). Checkpoint "
                + "ids must not repeat; is another job using the same checkpoint directory?");
        }
        CreateCheckpointDirectory(id);
        string temp = Path.Combine(directory, CheckpointPaths.MetadataTempFileName);
        try
        {
            byte[] bytes = CheckpointMetadataCodec.Encode(metadata);
            Fault("metadata.write", temp);
            await using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 4096,
                FileOptions.Asynchronous))
            {
                await file.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            cancellationToken.ThrowIfCancellationRequested();
            Fault("metadata.rename", final);
            // The commit point: until this rename the checkpoint does not exist for recovery; after it, it is whole.
            File.Move(temp, final, overwrite: false);
            SyncMetadataOrUndo(directory, temp, final);
        }
        catch (Exception ex) when (ex is not SimulatedCrashException)
        {
            TryDeleteFile(temp);
            throw;
        }
    }

    /// <summary>
    /// Makes the metadata rename durable before anyone relies on it — the coordinator reporting completion, sinks
    /// committing, retention retiring the previous checkpoint. If the directory sync fails, the rename is undone and the
    /// checkpoint fails: should the undo not reach the disk either, a power loss leaves a whole checkpoint no sink
    /// committed yet, which a restore handles like any other.
    /// </summary>
    private void SyncMetadataOrUndo(string directory, string temp, string final)
    {
        try
        {
            Fault("metadata.sync", directory);
            DirectorySync.Flush(directory);
        }
        catch (IOException ex)
        {
            string undo = UndoMetadata(temp, final);
            throw new IOException($"Checkpoint metadata '{final}' was written, but {ex.Message} The checkpoint is not "
                + $"completed and older checkpoints are kept.{undo}", ex);
        }
    }

    /// <summary>Takes the metadata back out of the checkpoint (renamed back, else deleted); "" or what went wrong.</summary>
    private string UndoMetadata(string temp, string final)
    {
        try
        {
            File.Move(final, temp, overwrite: true);
            return "";
        }
        catch (Exception moveBack) when (moveBack is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(final);
                return "";
            }
            catch (Exception delete) when (delete is IOException or UnauthorizedAccessException)
            {
                _logger.LogError("Checkpoint metadata {Metadata} could not be taken back ({MoveBack}; {Delete}): the "
                    + "checkpoint may still be restored although it was reported failed", final, moveBack.Message, delete.Message);
                return $" Taking the metadata back failed too ({moveBack.Message}; {delete.Message}): a restore may still use "
                    + "this checkpoint, which is safe (no sink committed it) but was reported failed.";
            }
        }
    }

    /// <inheritdoc/>
    public bool AbortCheckpoint(long checkpointId)
    {
        CheckId(checkpointId);
        lock (_gate)
        {
            if (File.Exists(_paths.MetadataFile(checkpointId)))
            {
                throw new InvalidOperationException($"Checkpoint {checkpointId} is completed (its _metadata exists), "
                    + "so it cannot be aborted; completed checkpoints are removed by retention only.");
            }
            if (_completing.Contains(checkpointId))
            {
                return false; // its metadata is being written; it ends completed or is cleaned up by the writer
            }
            _aborted.Add(checkpointId);
        }
        bool deleted = TryDeleteDirectory(checkpointId, "aborted");
        CollectUnusedSharedState();
        return deleted;
    }

    /// <inheritdoc/>
    public int DiscardAll()
    {
        int removed = 0;
        // Oldest first: a crash half-way leaves the newest, never an older one that would replay a committed tail.
        foreach (long id in _paths.ListCheckpointDirectories().Reverse())
        {
            if (TryDeleteDirectory(id, "discarded"))
            {
                removed++;
            }
            else if (Directory.Exists(_paths.CheckpointDirectory(id)))
            {
                break; // keep the rest, newer ones included: never leave an older checkpoint without the newer ones
            }
        }
        SweepSharedArea("discarded.shared.delete"); // after the checkpoints: none is ever left without its shared files
        RemoveEmptySharedDirectory();
        return removed;
    }

    /// <inheritdoc/>
    public int CleanUpPartial()
    {
        int removed = RemoveDeletionLeftovers();
        long newestCompleted = ListCompletedCheckpoints().DefaultIfEmpty(0).Max();
        foreach (long id in _paths.ListCheckpointDirectories())
        {
            if (!File.Exists(_paths.MetadataFile(id)))
            {
                if (id < newestCompleted)
                {
                    // Retention renames a directory before it deletes it, so a crash cannot leave this: it is damage.
                    _logger.LogWarning("Checkpoint directory {Directory} has no {Metadata} but is older than completed "
                        + "checkpoint {Completed}: its metadata was lost or deleted (damage, not a checkpoint in progress). "
                        + "It is kept for inspection and removed by retention later.", _paths.CheckpointDirectory(id),
                        CheckpointPaths.MetadataFileName, newestCompleted);
                    continue;
                }
                removed += TryDeleteDirectory(id, "partial") ? 1 : 0;
                continue;
            }
            string temp = Path.Combine(_paths.CheckpointDirectory(id), CheckpointPaths.MetadataTempFileName);
            removed += File.Exists(temp) && TryDeleteFile(temp) ? 1 : 0;
        }
        removed += SweepSharedArea("cleanup.shared.delete");
        if (removed > 0)
        {
            _logger.LogInformation("Removed {Count} partial checkpoint directories and temporary files from {Directory}",
                removed, _paths.Root);
        }
        return removed;
    }

    /// <inheritdoc/>
    public IReadOnlyList<long> ListPartialCheckpoints() =>
        [.. _paths.ListCheckpointDirectories().Where(id => !File.Exists(_paths.MetadataFile(id))).Order()];

    private void CheckCompletable(CheckpointMetadata metadata)
    {
        long id = metadata.CheckpointId;
        if (metadata.CompletedAt < metadata.TriggeredAt)
        {
            throw new ArgumentException($"Checkpoint {id} completed at {metadata.CompletedAt:O}, before it was "
                + $"triggered at {metadata.TriggeredAt:O}. Take both times from the same TimeProvider.", nameof(metadata));
        }
        foreach (var (subtask, handles) in metadata.SubtaskStates)
        {
            foreach (var handle in handles)
            {
                bool shared = CheckpointPaths.ParseSharedPath(handle.RelativePath) is not null;
                string? path = shared ? null : _paths.TryResolveStatePath(handle.RelativePath, out long owner) is { } p
                    && owner == id && handle.CheckpointId == id ? p : null;
                string problem = shared
                    ? handle.CheckpointId < 1 || handle.CheckpointId > id
                        ? $"names checkpoint {handle.CheckpointId} as its creator; a shared file listed by checkpoint {id} "
                            + $"must have been written for checkpoint 1 to {id}"
                        : ""
                    : path is null
                        ? $"does not lie in this checkpoint's directory '{CheckpointPaths.DirectoryName(id)}' nor in "
                            + $"'{CheckpointPaths.SharedDirectoryName}/'; pass handles returned by OpenStateWriter/"
                            + $"WriteStateAsync for checkpoint {id}, or by OpenSharedStateWriter/WriteSharedStateAsync"
                        : FileProblem(path, handle) ?? "";
                if (problem.Length > 0)
                {
                    throw new ArgumentException($"Checkpoint {id} cannot complete: the state handle {handle} of "
                        + $"{subtask} {problem}", nameof(metadata));
                }
            }
        }
    }

    /// <summary>
    /// Checks, under <c>_gate</c>, that every shared file the metadata lists is there with its length: one deleted because
    /// no retained checkpoint used it any more makes the completion fail instead of leaving a dangling reference.
    /// </summary>
    private void CheckSharedFilesPresent(CheckpointMetadata metadata)
    {
        foreach (var (subtask, handles) in metadata.SubtaskStates)
        {
            foreach (var handle in handles)
            {
                if (CheckpointPaths.ParseSharedPath(handle.RelativePath) is not string name
                    || FileProblem(_paths.SharedFile(name), handle) is not string problem)
                {
                    continue;
                }
                throw new InvalidOperationException($"Checkpoint {metadata.CheckpointId} cannot complete: the shared "
                    + $"state handle {handle} of {subtask} (written for checkpoint {handle.CheckpointId}) {problem}. A "
                    + "shared file is deleted once no retained checkpoint uses it, or when the checkpoint that wrote it "
                    + "ends without a completed checkpoint listing it; reuse only files listed by a retained completed "
                    + "checkpoint, or write the state anew.");
            }
        }
    }

    /// <summary>What is wrong with a state file on disk for its handle (missing, wrong length), or null.</summary>
    private static string? FileProblem(string path, StateHandle handle)
    {
        var file = new FileInfo(path);
        return !file.Exists ? "does not exist; was it deleted, or the checkpoint aborted?"
            : file.Length != handle.Length + StateFileOverhead
                ? $"has {file.Length} bytes, not the {handle.Length + StateFileOverhead} its handle implies; was the "
                    + "stream closed with CloseAndGetHandleAsync?"
            : null;
    }

    private void ApplyRetention(long completedId)
    {
        foreach (long id in _paths.ListCheckpointDirectories())
        {
            if (id >= completedId || File.Exists(_paths.MetadataFile(id)))
            {
                continue;
            }
            // A pending checkpoint older than a completed one is subsumed (the coordinator aborts it too), unless its
            // metadata is being written right now: that one ends completed or is cleaned up by its writer.
            lock (_gate)
            {
                if (_completing.Contains(id))
                {
                    continue;
                }
                _aborted.Add(id);
            }
            TryDeleteDirectory(id, "subsumed");
        }
        foreach (long id in ListCompletedCheckpoints().SkipLast(RetainedCheckpoints))
        {
            TryDeleteDirectory(id, "retired");
        }
        CollectUnusedSharedState(); // after the directories: a crash in between leaves orphans, never a dangling handle
    }

    /// <summary>
    /// Deletes a checkpoint directory by renaming it out of the <c>chk-{id}</c> namespace first (one atomic step), then
    /// deleting the renamed tree: a crash half-way never leaves a <c>chk-{id}</c> that lost its metadata or some files.
    /// </summary>
    private bool TryDeleteDirectory(long checkpointId, string why)
    {
        string directory = _paths.CheckpointDirectory(checkpointId);
        string doomed = _paths.DeletionDirectory(checkpointId);
        try
        {
            if (!Directory.Exists(directory))
            {
                return false;
            }
            Fault(why + ".rename", directory);
            Directory.Move(directory, doomed);
            DirectorySync.Flush(_paths.Root);
            Fault(why + ".delete", doomed);
            Directory.Delete(doomed, recursive: true);
            _logger.LogDebug("Deleted {Reason} checkpoint {CheckpointId} ({Directory})", why, checkpointId, directory);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete {Reason} checkpoint {CheckpointId} ({Directory}); it is retried at "
                + "the next start (CleanUpPartial)", why, checkpointId, directory);
            return false;
        }
    }

    /// <summary>Deletes what a crash left of earlier deletions (renamed directories).</summary>
    private int RemoveDeletionLeftovers()
    {
        int removed = 0;
        foreach (string doomed in _paths.ListDeletionDirectories())
        {
            try
            {
                Fault("cleanup.delete", doomed);
                Directory.Delete(doomed, recursive: true);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not delete {Directory}; it is retried at the next start", doomed);
            }
        }
        return removed;
    }

    private bool TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning(ex, "Could not delete {File}", path);
            return false;
        }
    }
}
