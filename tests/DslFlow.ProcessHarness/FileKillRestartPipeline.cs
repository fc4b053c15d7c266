using DslFlow;

namespace DslFlow.ProcessHarness;

/// <summary>
/// Reads the lines of <c>*.txt</c> files in an input directory, discovering files that appear while it runs, and
/// writes them to a transactional file sink: the committed files of a run hold every line of every file exactly once,
/// whatever crashes it survived and whenever the files appeared.
/// </summary>
[Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 20)] // the harness sets the same interval in its options
public static partial class FileKillRestartPipeline
{
    public static string InputDirectory { get; set; } = "in";

    public static string OutputDirectory { get; set; } = "out";

    /// <summary>Pauses the map 1 ms every so many lines, so a kill finds the job mid-way.</summary>
    public static Pacer Pacing { get; set; } = new(0);

    [Source]
    public static FileLineSource Lines() => new(Path.Combine(InputDirectory, "*.txt")) { DiscoveryInterval = TimeSpan.FromMilliseconds(20) };

    [Map(nameof(Lines), Partitioning = Partitioning.Rebalance)]
    public static string Pace(string line)
    {
        Pacing.OnLine();
        return line;
    }

    [Sink(nameof(Pace))]
    public static FileSink<string> Committed() => new(OutputDirectory);
}

/// <summary>Sleeps 1 ms every <paramref name="pauseEvery"/> calls (never when 0). Pacing only: it changes no output.</summary>
public sealed class Pacer(int pauseEvery)
{
    private long _calls;

    public void OnLine()
    {
        if (pauseEvery > 0 && Interlocked.Increment(ref _calls) % pauseEvery == 0)
        {
            Thread.Sleep(1);
        }
    }
}
