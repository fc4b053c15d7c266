namespace DslFlow.Checkpointing;

/// <summary>One shared file the registry tracks (Flink's <c>SharedStateEntry</c>).</summary>
/// <param name="Path">The file's path relative to the storage directory, <c>shared/{name}</c>: the registry's key.</param>
/// <param name="CreatedBy">The checkpoint that wrote the file.</param>
/// <param name="LastUsedBy">The newest completed checkpoint whose metadata lists the file; null while it is pending
/// (written, but no completed checkpoint references it yet).</param>
/// <param name="OwnedByTask">Written ahead of any checkpoint by a task that decides, while it is pending, when it goes
/// (<see cref="ICheckpointStorageWorkerView.OpenOwnedSharedStateWriter"/>).</param>
/// <param name="ReleasedByTask">The owning task released it; it goes as soon as nothing holds it.</param>
internal sealed record SharedStateEntry(string Path, long CreatedBy, long? LastUsedBy, bool OwnedByTask = false,
    bool ReleasedByTask = false)
{
    /// <summary>Written for a checkpoint in progress; deleted when that checkpoint ends without a completed one using it.</summary>
    public bool IsPending => LastUsedBy is null;
}
