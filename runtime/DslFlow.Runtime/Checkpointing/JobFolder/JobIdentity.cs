using System.Globalization;
using System.Text;

namespace DslFlow.Checkpointing;

/// <summary>
/// Who a checkpoint belongs to: the job's name and the id of the job's run, created the first time the job started
/// in its folder (Flink's JobID) and kept in <c>_job</c> there and in every checkpoint's metadata. A restore of a
/// checkpoint with another name or id is refused: it is another job's state, and its sinks' output is not this job's.
/// </summary>
/// <param name="JobName">The job's name (<c>PipelineOptions.JobName</c>, or the pipeline class name).</param>
/// <param name="JobId">The run's id: new when the job first starts in an empty folder, after it finished, or with <c>StartFresh</c>.</param>
public sealed record JobIdentity(string JobName, Guid JobId)
{
    private const string Header = "dslflow-job 1";

    /// <summary>A new run of the job.</summary>
    /// <param name="jobName">The job's name.</param>
    public static JobIdentity New(string jobName) => new(jobName, Guid.NewGuid());

    /// <summary>
    /// The first checkpoint id of this run: checkpoints below it in the folder belong to an earlier run (replaced by
    /// <c>StartFresh</c>) and are never restored by this one. 1 for a run that started in an empty folder.
    /// </summary>
    public long FirstCheckpointId { get; init; } = 1;

    /// <inheritdoc/>
    public override string ToString() => $"job '{JobName}' (id {JobId:D})";

    internal string Encode() =>
        string.Create(CultureInfo.InvariantCulture, $"{Header}\nname={JobName}\nid={JobId:D}\nfirst={FirstCheckpointId}\n");

    /// <summary>Reads what <see cref="Encode"/> wrote; null when the text is not a job identity.</summary>
    internal static JobIdentity? Decode(string text)
    {
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 3 || lines[0] != Header || !lines[1].StartsWith("name=", StringComparison.Ordinal)
            || !lines[2].StartsWith("id=", StringComparison.Ordinal) || !Guid.TryParseExact(lines[2][3..], "D", out Guid id))
        {
            return null;
        }
        long first = 1;
        if (lines.Length >= 4 && lines[3].StartsWith("first=", StringComparison.Ordinal)
            && (!long.TryParse(lines[3][6..], NumberStyles.None, CultureInfo.InvariantCulture, out first) || first < 1))
        {
            return null;
        }
        return new JobIdentity(lines[1][5..], id) { FirstCheckpointId = first };
    }

    /// <summary>Why a job name cannot be a folder name, or null when it can.</summary>
    internal static string? ProblemWithName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "it is empty";
        }
        if (name.Length > 200)
        {
            return $"it is {name.Length} characters long (at most 200)";
        }
        if (name is "." or ".." || name[0] is '.' or '_' || name != name.Trim())
        {
            return "it starts with '.' or '_' or with or ends in a space (reserved, or hidden)";
        }
        int bad = name.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars().Concat(['/', '\\', ':']).ToArray());
        if (bad < 0)
        {
            bad = name.AsSpan().IndexOfAnyInRange('\0', '\u001f'); // line breaks and other control characters
        }
        return bad < 0 ? null : $"it contains '{Escape(name[bad])}' at position {bad}, which a folder name cannot hold";
    }

    private static string Escape(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
