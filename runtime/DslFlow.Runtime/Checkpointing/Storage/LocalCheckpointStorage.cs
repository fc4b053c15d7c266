using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Checkpointing;

/// <summary>
/// Checkpoint storage on the local file system, the embedded default (Flink's <c>FileSystemCheckpointStorage</c>).
/// Layout: <c>{directory}/chk-{id}/</c> per checkpoint, holding the state files the tasks wrote and, once the
/// checkpoint completed, <c>_metadata</c>, written last through a temporary file, fsync and an atomic rename. Every
/// file carries a versioned header and a CRC-32C (<see cref="CheckpointFileFormat"/>). Only the newest
/// <c>retainedCheckpoints</c> completed checkpoints are kept. Shared files, which several checkpoints may list, live
/// in <c>{directory}/shared/</c> and are deleted only when no retained checkpoint uses them (<see cref="SharedStateRegistry"/>).
/// The storage never deletes anything but <c>chk-{id}</c> directories, the files in them, and shared files it wrote.
/// </summary>
public sealed partial class LocalCheckpointStorage : ICheckpointStorage
{
    private readonly CheckpointPaths _paths;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly HashSet<long> _aborted = [];
    private readonly HashSet<long> _completing = [];
    private long _highestCompleted;

    /// <summary>Opens (and creates, if needed) a checkpoint directory.</summary>
    /// <param name="directory">The checkpoint directory, absolute or relative to the working directory.</param>
    /// <param name="retainedCheckpoints">How many completed checkpoints to keep (1 or more).</param>
    /// <param name="logger">Receives warnings about skipped checkpoints and failed deletions; null for none.</param>
    public LocalCheckpointStorage(string directory, int retainedCheckpoints = 1, ILogger? logger = null)
    {
        if (string.IsNullOrWhiteSpace(directory))
        {
            throw new ArgumentException("The checkpoint directory is empty. Pass a directory path, for example "
                + "'checkpoints' (CheckpointingOptions.Directory).", nameof(directory));
        }
        if (retainedCheckpoints < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(retainedCheckpoints), retainedCheckpoints,
                $"The number of retained checkpoints is {retainedCheckpoints}; it must be 1 or more, or recovery would "
                + "have no checkpoint to restore. Set RetainedCheckpoints to 1 (the default) or more.");
        }
        _paths = new CheckpointPaths(directory);
        RetainedCheckpoints = retainedCheckpoints;
        _logger = logger ?? NullLogger.Instance;
        if (File.Exists(_paths.Root))
        {
            throw new IOException($"The checkpoint directory '{_paths.Root}' is a file. Pass the path of a directory, "
                + "or move the file away.");
        }
        DirectorySync.CreateDirectory(_paths.Root);
    }

    /// <summary>The absolute checkpoint directory.</summary>
    public string RootDirectory => _paths.Root;

    /// <summary>How many completed checkpoints are kept.</summary>
    public int RetainedCheckpoints { get; }

    /// <inheritdoc/>
    public CheckpointStateOutputStream OpenStateWriter(long checkpointId, string name)
    {
        CheckId(checkpointId);
        ArgumentNullException.ThrowIfNull(name);
        if (CheckpointPaths.ProblemWithStateName(name) is string problem)
        {
            throw new ArgumentException($"The state name '{name}' for checkpoint {checkpointId} is not a plain file "
                + $"name: {problem}. Use letters, digits, '.', '-' and '_', for example 'counter-3.state'; the storage "
                + $"writes only inside '{_paths.Root}'.", nameof(name));
        }
        lock (_gate)
        {
            ThrowUnlessAcceptingState(checkpointId);
            CreateCheckpointDirectory(checkpointId);
        }
        string path = _paths.StateFile(checkpointId, name);
        Fault("state.write", path);
        try
        {
            return new LocalStateOutputStream(path, checkpointId, CheckpointPaths.RelativeStatePath(checkpointId, name));
        }
        catch (IOException ex) when (File.Exists(path))
        {
            throw new IOException($"Checkpoint {checkpointId} already has a state file named '{name}'. Give every "
                + "operator subtask its own name, for example '{operator}-{subtask}.state'.", ex);
        }
    }

    /// <summary>Refuses state for a checkpoint that was aborted, subsumed or completed; call under <c>_gate</c>.</summary>
    private void ThrowUnlessAcceptingState(long checkpointId)
    {
        if (_aborted.Contains(checkpointId) || checkpointId <= _highestCompleted)
        {
            throw new InvalidOperationException($"Checkpoint {checkpointId} no longer accepts state: it was "
                + (checkpointId <= _highestCompleted ? $"subsumed by completed checkpoint {_highestCompleted}" : "aborted")
                + ". Drop this snapshot; the next checkpoint takes a new one.");
        }
        if (File.Exists(_paths.MetadataFile(checkpointId)))
        {
            throw new InvalidOperationException($"Checkpoint {checkpointId} is already completed in '{_paths.Root}'; "
                + "its state cannot change. Is another job using the same checkpoint directory?");
        }
    }

    /// <summary>Creates <c>chk-{id}</c> durably (the job folder synced after it), so its files do not vanish with it.</summary>
    private void CreateCheckpointDirectory(long checkpointId)
    {
        string directory = _paths.CheckpointDirectory(checkpointId);
        if (!Directory.Exists(directory))
        {
            Fault("checkpoint.create", directory);
            DirectorySync.CreateDirectory(directory);
        }
    }

    /// <inheritdoc/>
    public async Task<StateHandle> WriteStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data,
        CancellationToken cancellationToken = default)
    {
        await using var writer = OpenStateWriter(checkpointId, name);
        await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        return await writer.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<StateHandle> WriteStateAsync(long checkpointId, string name, Stream data,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        await using var writer = OpenStateWriter(checkpointId, name);
        await data.CopyToAsync(writer, cancellationToken).ConfigureAwait(false);
        return await writer.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task<byte[]> ReadStateAsync(StateHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ReadObserver?.Invoke(handle.RelativePath ?? "");
        return (await VerifyStateFileAsync(handle, keepPayload: true, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Test hook: called before every step that changes the file system (operation name, path). Throwing
    /// <see cref="SimulatedCrashException"/> from it stops the storage there, as a crash would.
    /// </summary>
    internal Action<string, string>? FaultInjector { get; set; }

    private void Fault(string operation, string path) => FaultInjector?.Invoke(operation, path);

    /// <summary>
    /// Test hook: called with the relative path each time a restore reads a whole state file (<see cref="ReadStateAsync"/>;
    /// not the checksum pass of checkpoint selection, nor <see cref="ReadStateRange"/>).
    /// </summary>
    internal Action<string>? ReadObserver { get; set; }

    /// <inheritdoc/>
    public async Task<CheckpointMetadata?> LoadCheckpointAsync(long checkpointId, CancellationToken cancellationToken = default)
    {
        CheckId(checkpointId);
        return await LoadAndVerifyAsync(checkpointId, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public IReadOnlyList<long> ListCompletedCheckpoints() =>
        [.. _paths.ListCheckpointDirectories().Where(id => File.Exists(_paths.MetadataFile(id))).Order()];

    private static void CheckId(long checkpointId)
    {
        if (checkpointId < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(checkpointId), checkpointId,
                $"Checkpoint ids start at 1; {checkpointId} is not a checkpoint id. Pass the id of the barrier "
                + "being snapshotted.");
        }
    }
}
