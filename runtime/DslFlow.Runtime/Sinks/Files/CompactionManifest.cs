using System.Globalization;
using System.Text;
using DslFlow.Checkpointing;

namespace DslFlow;

/// <summary>
/// The record of one <see cref="FileSink{T}"/> compaction, beside its parts in <c>.committed/</c>: the visible file it
/// publishes (<see cref="Target"/>), the merged temporary file renamed to it, the hidden parts it merged, and whether
/// the rename happened (<see cref="Published"/>). Recovery decides from it alone — never from whether the target is
/// visible, which a consumer may have moved away. Written whole or not at all (<see cref="DurableFile"/>).
/// </summary>
internal sealed record CompactionManifest(string Path, string Target, string Temporary, IReadOnlyList<string> Parts, bool Published)
{
    public const string Extension = ".manifest";
    private const string Header = "dslflow-compaction 1";

    /// <summary>The file-name prefix of the compaction files of one subtask of <paramref name="run"/>.</summary>
    public static string Prefix(Guid run, int subtask) => string.Create(CultureInfo.InvariantCulture, $"compacting-{run:N}-{subtask}-");

    /// <summary>The file-name prefix of every compaction file of <paramref name="run"/>.</summary>
    public static string Prefix(Guid run) => $"compacting-{run:N}-";

    public void Write()
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n')
            .Append("target=").Append(Target).Append('\n')
            .Append("temporary=").Append(Temporary).Append('\n')
            .Append("published=").Append(Published ? "true" : "false").Append('\n');
        foreach (string part in Parts)
        {
            text.Append("part=").Append(part).Append('\n');
        }
        DurableFile.Write(Path, Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <exception cref="InvalidDataException">The file is not a compaction manifest.</exception>
    public static CompactionManifest Read(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string? Value(string key) => lines.Skip(1).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        string[] parts = [.. lines.Where(l => l.StartsWith("part=", StringComparison.Ordinal)).Select(l => l[5..])];
        if (lines.Length == 0 || lines[0] != Header || Value("target") is not { } target || Value("temporary") is not { } temporary
            || Value("published") is not ("true" or "false") || !Safe(target) || !Safe(temporary) || !parts.All(Safe))
        {
            throw new InvalidDataException($"FileSink: the compaction manifest '{path}' is damaged, so it cannot tell whether its "
                + "parts were published. Check whether the merged file it names is among the published parts; if it is, delete "
                + "the parts it lists and the manifest, otherwise delete only the manifest and its temporary file.");
        }
        return new CompactionManifest(path, target, temporary, parts, Value("published") == "true");
    }

    /// <summary>A bare file name: a crafted manifest never makes recovery delete outside the hidden folder.</summary>
    private static bool Safe(string name) => name.Length > 0 && name == System.IO.Path.GetFileName(name) && name is not ("." or "..");
}
