using DslFlow.Checkpointing;

namespace DslFlow.State.Changelog;

/// <summary>What a subtask's changelog backend shares with the rest of its run: the attempt's log files and the job's statistics.</summary>
/// <param name="Uploader">Writes the state change logs of every changelog subtask of the attempt into shared files.</param>
/// <param name="ReportMaterialization">Receives each ended materialization (the job's checkpoint statistics); thread-safe.</param>
internal sealed record TaskChangelog(ChangelogUploader Uploader, Action<MaterializationRecord> ReportMaterialization);
