namespace DslFlow;

/// <summary>
/// A checkpoint failed where the caller depended on it: the job failed because more consecutive checkpoints failed than
/// <c>TolerableFailedCheckpoints</c> allows, or <c>JobHandle.StopWithCheckpointAsync</c> could not take its checkpoint.
/// </summary>
/// <param name="message">Which checkpoint failed, why, and (for the job's failure) the limit.</param>
public sealed class CheckpointFailureException(string message) : Exception(message);
