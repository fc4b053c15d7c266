namespace DslFlow.State;

/// <summary>
/// A declared state could not be saved or restored. <see cref="TaskStates"/> knows which state failed but not how the
/// job reports failures, so the task catches this and reports <see cref="Problem"/> with the original cause
/// (<see cref="Exception.InnerException"/>) under its node and subtask.
/// </summary>
internal sealed class TaskStateException(string problem, Exception inner) : Exception(problem, inner)
{
    /// <summary>What failed, e.g. <c>could not save keyed state 'Node.counts' in a checkpoint</c>.</summary>
    public string Problem { get; } = problem;
}
