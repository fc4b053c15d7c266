namespace DslFlow;

/// <summary>
/// A source or sink that checks what it can before any task starts — a missing directory, a glob that matches no
/// file — so a configuration error fails <c>Start</c> at once with its message instead of failing a task that the
/// restart strategy then retries for minutes.
/// </summary>
public interface IStartValidation
{
    /// <summary>
    /// Throws <see cref="JobConfigurationException"/> when the node cannot run as configured. Called once per job
    /// start, after the checkpoint to restore (if any) was chosen and before the first task starts.
    /// </summary>
    /// <param name="resumesFromCheckpoint">
    /// True when the job restores a checkpoint: a source then resumes the splits the checkpoint lists (its input set
    /// comes from there, not from a new listing).
    /// </param>
    void ValidateAtStart(bool resumesFromCheckpoint);
}
