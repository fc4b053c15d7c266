namespace DslFlow.State.Changelog;

/// <summary>How the changes of a job's subtasks are batched into log files (Flink's <c>dstl.dfs.batch.*</c> and <c>upload.max-in-flight</c>).</summary>
/// <param name="PersistDelay">How long a persist request waits for others to join its file.</param>
/// <param name="PersistSizeThreshold">Waiting bytes (all subtasks) that write a file at once.</param>
/// <param name="MaxInFlight">Bytes waiting or being written, past which a new request waits (backpressure).</param>
internal sealed record ChangelogUploadSettings(TimeSpan PersistDelay, long PersistSizeThreshold, long MaxInFlight);
