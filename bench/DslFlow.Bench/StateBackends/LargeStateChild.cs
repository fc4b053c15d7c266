using System.Diagnostics;
using System.Globalization;

namespace DslFlow.Bench.StateBackends;

/// <summary>Runs <see cref="LargeStateRun"/> in a child process (this bench again) and collects its figures.</summary>
internal static class LargeStateChild
{
    public const string Command = "state-backends-large-child";

    public static IReadOnlyList<(string Name, double Value)> Run(string work, long keys)
    {
        Directory.CreateDirectory(work);
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable.");
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        // As a RocksDB deployment on glibc should run (README, "State larger than memory"; Flink's images do the same or
        // ship jemalloc): RocksDB's threads otherwise each get a malloc arena, and freed memory stays in them.
        start.Environment["MALLOC_ARENA_MAX"] = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") ?? "2";
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(LargeStateChild).Assembly.Location);
        }
        start.ArgumentList.Add(Command);
        start.ArgumentList.Add(work);
        start.ArgumentList.Add(keys.ToString(CultureInfo.InvariantCulture));
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("The larger-than-memory run did not start.");
        var figures = new List<(string, double)>();
        while (child.StandardOutput.ReadLine() is { } line)
        {
            Console.WriteLine($"  large-state: {line}");
            string[] parts = line.Split(' ');
            if (parts.Length == 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                figures.Add((parts[0], value));
            }
        }
        child.WaitForExit();
        return child.ExitCode == 0
            ? figures
            : throw new InvalidOperationException($"The larger-than-memory run exited with {child.ExitCode}.");
    }
}
