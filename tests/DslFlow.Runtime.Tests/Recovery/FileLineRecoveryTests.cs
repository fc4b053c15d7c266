using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Sources;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>Lines of files, read by two subtasks, through a map that fails once: restored readers resume at byte offsets.</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class FileLinePipeline
{
    public static string Glob { get; set; } = "";

    public static CollectSink<string> Output { get; set; } = new();

    public static LineFailure Failure { get; set; } = new(-1);

    [Source]
    public static FileLineSource Lines() => new(Glob);

    [Map(nameof(Lines), Partitioning = Partitioning.Rebalance)]
    public static string Check(string line)
    {
        Failure.OnLine();
        return line;
    }

    [Sink(nameof(Check))]
    public static CollectSink<string> Out() => Output;
}

/// <summary>Fails the map once at the given line count (over the whole job) and slows it so checkpoints complete before.</summary>
public sealed class LineFailure(long failAt)
{
    private long _lines;
    private int _failed;

    public bool Failed => Volatile.Read(ref _failed) == 1;

    public void OnLine()
    {
        long n = Interlocked.Increment(ref _lines);
        if (n % 25 == 0)
        {
            Thread.Sleep(1);
        }
        if (n == failAt && Interlocked.Exchange(ref _failed, 1) == 0)
        {
            throw new InjectedFailureException($"injected failure at line {n}");
        }
    }
}

public class FileLineRecoveryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task File_lines_resume_at_their_checkpointed_offsets_after_a_failure_and_every_line_is_committed_once(bool unaligned)
    {
        using var files = new TempDirectory();
        var expected = new List<string>();
        for (int f = 0; f < 6; f++)
        {
            // Multi-byte characters and CRLF endings make byte offsets differ from character counts.
            string[] lines = Enumerable.Range(0, 2_000).Select(n => $"fichier-{f}-ligne-{n}-é€").ToArray();
            files.Write($"part-{f}.txt", string.Join(f % 2 == 0 ? "\n" : "\r\n", lines) + "\n");
            expected.AddRange(lines);
        }
        FileLinePipeline.Glob = Path.Combine(files.Path, "*.txt");
        FileLinePipeline.Output = new CollectSink<string>();
        FileLinePipeline.Failure = new LineFailure(failAt: 7_000);
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { BufferSize = 32, RestartStrategy = RestartStrategy.FixedDelay(3, TimeSpan.FromMilliseconds(10)) };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.Unaligned = unaligned;

        await using JobHandle job = FileLinePipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(FileLinePipeline.Failure.Failed);
        Assert.Equal(1, job.RestartCount);
        Assert.NotNull(job.CheckpointStats!.LatestRestored); // the restart restored a checkpoint, not the beginning
        Assert.Equal(expected.Order(StringComparer.Ordinal), FileLinePipeline.Output.Results.Order(StringComparer.Ordinal));
    }
}
