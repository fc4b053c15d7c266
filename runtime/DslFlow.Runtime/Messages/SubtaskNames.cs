namespace DslFlow.Messages;

/// <summary>
/// How messages name a subtask. Subtasks are numbered from 0 everywhere — the task context's <c>SubtaskIndex</c>,
/// part files (<c>part-{run}-0-3.txt</c>), progress figures, metrics, state files and messages — as Flink's metrics and files
/// do, so a subtask a message names is the one whose files and figures carry the same number.
/// </summary>
internal static class SubtaskNames
{
    /// <summary><c>subtask 0 of parallelism 2</c>.</summary>
    public static string Of(int subtaskIndex, int parallelism) => $"subtask {subtaskIndex} of parallelism {parallelism}";
}
