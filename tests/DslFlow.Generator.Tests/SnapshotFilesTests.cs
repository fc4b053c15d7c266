using System.Reflection;
using System.Runtime.CompilerServices;
using DslFlow.Generator.Tests.Infrastructure;

namespace DslFlow.Generator.Tests;

/// <summary>Every verified snapshot belongs to an existing test, so renamed or deleted tests leave no stale files.</summary>
public class SnapshotFilesTests
{
    [Fact]
    public void EveryVerifiedSnapshotHasItsTest()
    {
        string directory = SnapshotAssert.SnapshotDirectory(ThisFile());
        var tests = typeof(SnapshotFilesTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods().Where(m => m.GetCustomAttribute<FactAttribute>() is not null).Select(m => $"{t.Name}.{m.Name}"))
            .ToHashSet();

        var orphans = Directory.GetFiles(directory, "*.verified.cs")
            .Select(Path.GetFileName)
            .Where(file => !tests.Contains(file!.Split('#')[0]))
            .ToList();

        Assert.True(orphans.Count == 0, "Snapshots without a test: " + string.Join(", ", orphans));
    }

    private static string ThisFile([CallerFilePath] string file = "") => file;
}
