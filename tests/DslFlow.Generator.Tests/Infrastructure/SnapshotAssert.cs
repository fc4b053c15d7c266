using System.Runtime.CompilerServices;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit.Sdk;

namespace DslFlow.Generator.Tests.Infrastructure;

/// <summary>
/// Compares generated code with <c>Snapshots/{Class}.{Method}#{HintName}.verified.cs</c> beside the test source
/// (Verify's naming, so moving to Verify later is a rename-free change). On a mismatch it writes
/// <c>*.received.cs</c> and fails with a diff; with <c>DSLFLOW_ACCEPT_SNAPSHOTS=1</c> (never in CI) it accepts.
/// </summary>
public static class SnapshotAssert
{
    public const string AcceptVariable = "DSLFLOW_ACCEPT_SNAPSHOTS";

    /// <summary>The <c>Snapshots</c> folder beside a test source file.</summary>
    public static string SnapshotDirectory(string testFile) => Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots");

    public static void Match(string actual, string hintName, [CallerFilePath] string file = "", [CallerMemberName] string method = "")
    {
        string name = $"{Path.GetFileNameWithoutExtension(file)}.{method}#{Path.GetFileNameWithoutExtension(hintName)}";
        string directory = SnapshotDirectory(file);
        string verified = Path.Combine(directory, name + ".verified.cs");
        string received = Path.Combine(directory, name + ".received.cs");
        actual = Normalize(actual);
        string? expected = File.Exists(verified) ? Normalize(File.ReadAllText(verified)) : null;
        if (expected == actual)
        {
            File.Delete(received);
            return;
        }
        Directory.CreateDirectory(directory);
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1" && Environment.GetEnvironmentVariable("CI") != "true")
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        File.WriteAllText(received, actual);
        throw new XunitException(expected is null
            ? $"No snapshot '{verified}'. Review '{received}' and accept it with {AcceptVariable}=1."
            : $"Snapshot '{name}' differs (received file: '{received}'; accept with {AcceptVariable}=1):\n{Diff(expected, actual)}");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    private static string Diff(string expected, string actual)
    {
        var diff = new StringBuilder();
        int shown = 0;
        foreach (DiffPiece line in InlineDiffBuilder.Diff(expected, actual).Lines)
        {
            string? prefix = line.Type switch
            {
                ChangeType.Inserted => "+ ",
                ChangeType.Deleted => "- ",
                _ => null,
            };
            if (prefix is not null && shown++ < 60)
            {
                diff.Append(line.Position is { } p ? $"{p,5} " : "      ").Append(prefix).AppendLine(line.Text);
            }
        }
        if (shown > 60)
        {
            diff.AppendLine($"... and {shown - 60} more changed lines");
        }
        return diff.ToString();
    }
}
