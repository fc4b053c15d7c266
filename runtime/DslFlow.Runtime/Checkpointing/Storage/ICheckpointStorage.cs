namespace DslFlow.Checkpointing;

/// <summary>
/// Where checkpoints live (Flink's checkpoint storage), both views in one: tasks write their state files through the
/// <see cref="ICheckpointStorageWorkerView"/> and send the returned <see cref="StateHandle"/>s to the coordinator; the
/// coordinator completes a checkpoint through the <see cref="ICheckpointStorageCoordinatorView"/> by writing its
/// <see cref="CheckpointMetadata"/>, last and atomically; recovery loads the newest valid completed checkpoint.
/// Implementations are thread-safe: subtasks write concurrently while the coordinator completes or aborts.
/// </summary>
public interface ICheckpointStorage : ICheckpointStorageWorkerView, ICheckpointStorageCoordinatorView;
