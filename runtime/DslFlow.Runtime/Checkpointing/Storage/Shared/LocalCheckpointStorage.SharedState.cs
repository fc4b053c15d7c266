using Microsoft.Extensions.Logging;

namespace DslFlow.Checkpointing;

/// <summary>
/// The <c>shared/</c> area: files written once and listed by several checkpoints. Written to a temporary name,
/// fsynced, renamed under the lock (so an abort either sees the file as pending or refuses it) and the folder fsynced.
/// The <see cref="SharedStateRegistry"/> decides when a file may go; deletion happens under the same lock under which
/// a completing checkpoint checks that its shared files exist. The registry lives in memory only: it is rebuilt from
/// the completed checkpoints' metadata when first needed and by <see cref="CleanUpPartial"/>, which deletes every
/// shared file no completed checkpoint references (a crash can leave such orphans at any step, never the reverse).
/// </summary>
public sealed partial class LocalCheckpointStorage
{
    private SharedStateRegistry? _registry;

    // Completed checkpoints whose metadata could not be read when the registry was built: they may reference shared
    // files the registry does not know, so no registered or unreferenced shared file is deleted while one is present.
    private readonly HashSet<long> _unreadableMetadata = [];

    /// <summary>The registry (built from the completed checkpoints' metadata on first use); only under <c>_gate</c>.</summary>
    private SharedStateRegistry Registry => _registry ??= RebuildRegistry();

    /// <inheritdoc/>
    public CheckpointStateOutputStream OpenSharedStateWriter(long checkpointId, string name)
    {
        CheckId(checkpointId);
        CheckSharedName(name, $"for checkpoint {checkpointId}");
        lock (_gate)
        {
            ThrowUnlessAcceptingState(checkpointId);
            CreateSharedDirectory();
        }
        return OpenSharedFile(name, checkpointId, ownedByTask: false);
    }

    /// <inheritdoc/>
    public bool TryReuseSharedState(long checkpointId, StateHandle handle)
    {
        CheckId(checkpointId);
        ArgumentNullException.ThrowIfNull(handle);
        if (CheckpointPaths.ParseSharedPath(handle.RelativePath) is not string name)
        {
            return false;
        }
        lock (_gate)
        {
            ThrowUnlessAcceptingState(checkpointId);
            // A file damaged outside the storage (truncated) is not reused: the caller copies the state anew.
            return FileProblem(_paths.SharedFile(name), handle) is null && Registry.Claim(checkpointId, handle.RelativePath);
        }
    }

    /// <inheritdoc/>
    public CheckpointStateOutputStream OpenOwnedSharedStateWriter(string name)
    {
        CheckSharedName(name, "owned by a task");
        long createdBy;
        lock (_gate)
        {
            createdBy = _highestCompleted + 1; // no completed checkpoint can list a file written after it
            CreateSharedDirectory();
        }
        return OpenSharedFile(name, createdBy, ownedByTask: true);
    }

    /// <inheritdoc/>
    public void ReleaseOwnedSharedState(StateHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        if (CheckpointPaths.ParseSharedPath(handle.RelativePath) is null)
        {
            throw new ArgumentException($"The handle {handle} is not a shared state file; release only handles returned "
                + "by OpenOwnedSharedStateWriter.", nameof(handle));
        }
        lock (_gate)
        {
            if (Registry.ReleaseOwned(handle.RelativePath))
            {
                DeleteSharedFiles([handle.RelativePath], "shared.release");
            }
        }
    }

    private void CheckSharedName(string name, string purpose)
    {
        ArgumentNullException.ThrowIfNull(name);
        string? problem = name.Length > CheckpointPaths.MaxSharedNameLength
            ? $"it is {name.Length} characters long (at most {CheckpointPaths.MaxSharedNameLength}, the storage appends a "
                + "33-character suffix)"
            : CheckpointPaths.ProblemWithStateName(name);
        if (problem is not null)
        {
            throw new ArgumentException($"The shared state name '{name}' {purpose} is not a plain file name: {problem}. "
                + "Use letters, digits, '.', '-' and '_', for example 'counter-3-sst-17'; the storage writes only inside "
                + $"'{_paths.SharedDirectory}'.", nameof(name));
        }
    }

    /// <summary>Creates <c>shared/</c> durably; only under <c>_gate</c>.</summary>
    private void CreateSharedDirectory()
    {
        if (!Directory.Exists(_paths.SharedDirectory))
        {
            Fault("shared.create", _paths.SharedDirectory);
            DirectorySync.CreateDirectory(_paths.SharedDirectory);
        }
    }

    private SharedStateOutputStream OpenSharedFile(string name, long createdBy, bool ownedByTask)
    {
        string fileName = CheckpointPaths.NewSharedFileName(name);
        string temp = _paths.SharedTempFile(fileName);
        Fault("shared.write", temp);
        var file = new LocalStateOutputStream(temp, createdBy, CheckpointPaths.RelativeSharedPath(fileName));
        return new SharedStateOutputStream(file, handle => CommitSharedFile(handle, temp, ownedByTask));
    }

    /// <inheritdoc/>
    public async Task<StateHandle> WriteSharedStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default)
    {
        await using var writer = OpenSharedStateWriter(checkpointId, name);
        await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        return await writer.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Gives a finished (fsynced) temporary file its final name and registers it as pending.</summary>
    private StateHandle CommitSharedFile(StateHandle handle, string temp, bool ownedByTask)
    {
        string final = _paths.SharedFile(CheckpointPaths.ParseSharedPath(handle.RelativePath)!);
        try
        {
            lock (_gate)
            {
                if (!ownedByTask)
                {
                    ThrowUnlessAcceptingState(handle.CheckpointId); // aborted or subsumed while it was written
                }
                Fault("shared.rename", final);
                File.Move(temp, final, overwrite: false);
                Registry.AddPending(handle.RelativePath, handle.CheckpointId, ownedByTask);
            }
        }
        catch (Exception ex) when (ex is not SimulatedCrashException)
        {
            TryDeleteFile(temp);
            throw;
        }
        // Should the sync fail, a checkpoint's file stays pending: the abort of its checkpoint, or the next start,
        // removes it. An owned file goes at once, since its task gets no handle to release it with.
        try
        {
            Fault("shared.sync", _paths.SharedDirectory);
            DirectorySync.Flush(_paths.SharedDirectory);
        }
        catch (Exception ex) when (ownedByTask && ex is not SimulatedCrashException)
        {
            lock (_gate)
            {
                if (Registry.ReleaseOwned(handle.RelativePath))
                {
                    DeleteSharedFiles([handle.RelativePath], "shared.release");
                }
            }
            throw;
        }
        return handle;
    }

    /// <summary>
    /// Deletes the shared files no retained checkpoint uses and the pending files of checkpoints that ended (aborted,
    /// subsumed, or completed without listing them). Called after the checkpoint directories were deleted, so a
    /// crash half-way leaves orphans, never a checkpoint without its files.
    /// </summary>
    private void CollectUnusedSharedState()
    {
        lock (_gate)
        {
            if (_registry is null && !Directory.Exists(_paths.SharedDirectory))
            {
                return; // no shared state in this job: nothing to read or delete
            }
            List<long> completed = [.. ListCompletedCheckpoints()];
            _unreadableMetadata.IntersectWith(completed);
            Func<long, bool> ended = owner => _aborted.Contains(owner) || (owner <= _highestCompleted && !_completing.Contains(owner));
            Registry.DropClaims(ended);
            List<string> doomed = [.. Registry.ReleasePending(ended)];
            if (_unreadableMetadata.Count == 0)
            {
                doomed.AddRange(Registry.UnregisterUnused(completed.DefaultIfEmpty(long.MaxValue).Min()));
            }
            DeleteSharedFiles(doomed, "shared.delete");
        }
    }

    /// <summary>
    /// Rebuilds the registry from the completed checkpoints on disk and deletes every shared file none of them
    /// references, and temporary files. Only at start or after a discard: files of checkpoints in progress go too.
    /// </summary>
    private int SweepSharedArea(string fault)
    {
        lock (_gate)
        {
            if (!Directory.Exists(_paths.SharedDirectory))
            {
                return 0;
            }
            _registry = RebuildRegistry();
            List<string> unreferenced = [.. _paths.ListSharedFiles().Where(path => _registry.Find(path) is null)];
            List<string> orphans = [.. unreferenced.Where(path =>
                CheckpointPaths.ParseSharedPath(path) is not null ? _unreadableMetadata.Count == 0 : _paths.IsSharedTempFile(path))];
            if (_unreadableMetadata.Count > 0 && orphans.Count < unreferenced.Count)
            {
                _logger.LogWarning("Keeping {Count} shared files in {Directory} that no readable checkpoint references: the "
                    + "metadata of checkpoints {Unreadable} cannot be read and may reference them. They are removed once "
                    + "those checkpoints are retired.", unreferenced.Count - orphans.Count, _paths.SharedDirectory,
                    string.Join(", ", _unreadableMetadata.Order()));
            }
            return DeleteSharedFiles(orphans, fault);
        }
    }

    private SharedStateRegistry RebuildRegistry()
    {
        var registry = new SharedStateRegistry();
        _unreadableMetadata.Clear();
        foreach (long id in ListCompletedCheckpoints())
        {
            try
            {
                byte[] bytes = File.ReadAllBytes(_paths.MetadataFile(id));
                var metadata = CheckpointMetadataCodec.Decode(bytes, id, CheckpointPaths.RelativeMetadataPath(id));
                registry.Register(id, SharedHandles(metadata));
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                // retired meanwhile: it references nothing any more
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _unreadableMetadata.Add(id);
                _logger.LogWarning("The metadata of checkpoint {CheckpointId} in {Directory} cannot be read ({Reason}); "
                    + "no shared file is deleted as unused while it is present, since it may reference any of them",
                    id, _paths.Root, ex.Message);
            }
        }
        return registry;
    }

    private static IEnumerable<StateHandle> SharedHandles(CheckpointMetadata metadata) =>
        metadata.AllHandles.Where(handle => CheckpointPaths.ParseSharedPath(handle.RelativePath) is not null);

    private int DeleteSharedFiles(IReadOnlyList<string> relativePaths, string fault)
    {
        int removed = 0;
        foreach (string relative in relativePaths)
        {
            string path = _paths.SharedFile(relative[(CheckpointPaths.SharedDirectoryName.Length + 1)..]);
            try
            {
                Fault(fault, path);
                File.Delete(path);
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not delete the unused shared file {File}; the next start (CleanUpPartial) "
                    + "removes it", path);
            }
        }
        if (removed > 0)
        {
            try
            {
                DirectorySync.Flush(_paths.SharedDirectory);
            }
            catch (IOException ex)
            {
                _logger.LogWarning(ex, "Deleted shared files may come back after a power loss; the next start removes them");
            }
            _logger.LogDebug("Deleted {Count} unused shared files from {Directory}", removed, _paths.SharedDirectory);
        }
        return removed;
    }

    /// <summary>Removes the shared area once a discard left it empty, so a finished job leaves no folder behind.</summary>
    private void RemoveEmptySharedDirectory()
    {
        try
        {
            if (Directory.Exists(_paths.SharedDirectory) && !Directory.EnumerateFileSystemEntries(_paths.SharedDirectory).Any())
            {
                Fault("discarded.shared.remove", _paths.SharedDirectory);
                Directory.Delete(_paths.SharedDirectory);
            }
        }
        catch (IOException ex)
        {
            _logger.LogWarning(ex, "Could not remove the empty shared folder {Directory}", _paths.SharedDirectory);
        }
    }
}
