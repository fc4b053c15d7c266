using System.Globalization;
using System.Text.RegularExpressions;

namespace DslFlow;

/// <summary>
/// The name of a <see cref="FileSink{T}"/> part file: <c>part-{run}-{subtask}-{checkpoint}[-{n}].txt</c> (the n-th part
/// of that name), compacted ones <c>part-{run}-{subtask}-{first}-to-{last}[-{n}].txt</c> (<see cref="Last"/> set), and
/// <c>part-{run}-{subtask}-end.txt</c> without checkpoints. The run (Flink's part prefix) is the job run's id, so two
/// jobs, or two runs of one job, sharing a directory never share a name and each recovers only its own parts. Names
/// without a run are those of DslFlow versions before it: still read, never recovered.
/// </summary>
internal readonly partial record struct PartFileName(Guid? Run, int Subtask, long Checkpoint, int Sequence, long? Last)
{
    /// <summary>The file-name prefix of every part and in-progress file of one subtask of one run.</summary>
    public static string Prefix(Guid run, int subtask) => string.Create(CultureInfo.InvariantCulture, $"part-{run:N}-{subtask}-");

    /// <summary>The file-name prefix of every part and in-progress file of one run.</summary>
    public static string Prefix(Guid run) => $"part-{run:N}-";

    /// <summary>The parsed name, or null when <paramref name="fileName"/> is not a part's.</summary>
    public static PartFileName? Parse(string fileName)
    {
        Match m = Pattern().Match(fileName);
        if (!m.Success)
        {
            return null;
        }
        return new PartFileName(
            m.Groups[1].Success ? Guid.ParseExact(m.Groups[1].Value, "N") : null,
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            m.Groups[3].Value == "end" ? long.MaxValue : long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            m.Groups[5].Success ? int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture) : 0,
            m.Groups[4].Success ? long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The name without its sequence number and extension: what <c>-{n}.txt</c> is appended to.</summary>
    public string Stem
    {
        get
        {
            string run = Run is Guid id ? $"{id:N}-" : "";
            string checkpoint = Checkpoint == long.MaxValue ? "end" : Checkpoint.ToString(CultureInfo.InvariantCulture);
            string last = Last is long to ? string.Create(CultureInfo.InvariantCulture, $"-to-{to}") : "";
            return string.Create(CultureInfo.InvariantCulture, $"part-{run}{Subtask}-{checkpoint}{last}");
        }
    }

    /// <summary>True when the part belongs to <paramref name="run"/>.</summary>
    public bool Of(Guid run) => Run == run;

    // Bounded digit counts: a stray file with a huge number is not a part (it would overflow the parse).
    [GeneratedRegex(@"^part-(?:([0-9a-f]{32})-)?(\d{1,9})-(\d{1,18}|end)(?:-to-(\d{1,18}))?(?:-(\d{1,9}))?\.txt$")]
    private static partial Regex Pattern();
}
