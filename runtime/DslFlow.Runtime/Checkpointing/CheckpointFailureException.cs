namespace DslFlow;

/// <summary>The job failed because more consecutive checkpoints failed than <c>TolerableFailedCheckpoints</c> allows.</summary>
/// <param name="message">Which checkpoint failed, why, and the limit.</param>
public sealed class CheckpointFailureException(string message) : Exception(message);
