using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Sources;
using DslFlow.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>A file-line source read by two subtasks through a map that fails when told to; the test changes the input meanwhile.</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class FileChurnPipeline
{
    public static FileLineSource Input { get; set; } = new("unset");

    public static CollectSink<string> Output { get; set; } = new();

    public static ArmedFailure Failure { get; set; } = new();

    [Source]
    public static FileLineSource Lines() => Input;

    [Map(nameof(Lines), Partitioning = Partitioning.Rebalance)]
    public static string Check(string line)
    {
        Failure.OnLine();
        return line;
    }

    [Sink(nameof(Check))]
    public static CollectSink<string> Out() => Output;
}

/// <summary>
/// Slows the map (so checkpoints complete while it runs) and throws once at the first line after <see cref="Arm"/>.
/// Past <see cref="SlowFrom"/> lines it slows to a line per millisecond until armed, so the job cannot end before the
/// test has changed the input, however loaded the machine (barriers still pass between lines).
/// </summary>
public sealed class ArmedFailure
{
    private long _lines;
    private int _armed;
    private int _failed;

    public long SlowFrom { get; init; } = long.MaxValue;

    public int PauseEvery { get; init; } = 25;

    public bool Failed => Volatile.Read(ref _failed) == 1;

    public void Arm() => Volatile.Write(ref _armed, 1);

    public void OnLine()
    {
        long n = Interlocked.Increment(ref _lines);
        bool armed = Volatile.Read(ref _armed) == 1;
        if (n % PauseEvery == 0 || (n > SlowFrom && !armed))
        {
            Thread.Sleep(1);
        }
        if (armed && Interlocked.Exchange(ref _failed, 1) == 0)
        {
            throw new InjectedFailureException("injected failure after the input changed");
        }
    }
}

/// <summary>
/// Failover with a changing input set at p = 2 (issue 11, defect 1): between checkpoints files are added, fully read
/// files are archived, files are appended to or truncated; then a failure restores the latest checkpoint. Every line
/// of the first listing (at its listed length) is committed exactly once; new files are read once in discovery mode
/// and never in bounded mode; a truncated file fails the job at once with the file's name, without restarts.
/// </summary>
public sealed class FileSourceFailoverTests(ITestOutputHelper output) : IDisposable
{
    private const int Files = 6;
    private const int LinesPerFile = 4_000;

    private readonly TempDirectory _input = new();
    private readonly TempDirectory _archive = new();
    private readonly TempCheckpointDirectory _checkpoints = new();

    public void Dispose()
    {
        _input.Dispose();
        _archive.Dispose();
        _checkpoints.Dispose();
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public async Task Files_added_archived_and_appended_between_checkpoints_then_a_failure_commit_every_line_once(bool discovery, bool unaligned)
    {
        List<string> expected = WriteInitialFiles();
        FileChurnPipeline.Input = new FileLineSource(Path.Combine(_input.Path, "*.txt"))
        {
            DiscoveryInterval = discovery ? TimeSpan.FromMilliseconds(20) : null,
        };
        await using JobHandle job = FileChurnPipeline.Start(Options(unaligned));

        int archived = await ArchiveCommittedFilesAsync();
        foreach (string file in Directory.GetFiles(_input.Path, "part-*.txt"))
        {
            File.AppendAllText(file, "appended-after-listing\n"); // beyond every split's end: never read
        }
        List<string> added = AddFile("new-0", 500);
        await CheckpointsCompleteAsync(job, 2); // the changes lie between checkpoints
        FileChurnPipeline.Failure.Arm();
        Eventually.True(() => FileChurnPipeline.Failure.Failed || job.Completion.IsCompleted, "the failure was injected");
        if (discovery)
        {
            added.AddRange(AddFile("new-1", 500)); // while the restored job runs
            expected.AddRange(added);
            Eventually.True(() => FileChurnPipeline.Output.Results.Count >= expected.Count || job.Completion.IsCompleted,
                "every line was committed", timeoutMs: 60_000);
            job.Cancel(); // a discovering source never ends
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        }
        else
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        output.WriteLine($"archived {archived} files; restarts {job.RestartCount}; {job.Checkpoints.Count} checkpoints");
        Assert.True(FileChurnPipeline.Failure.Failed, "the job ended before the failure was injected");
        Assert.True(archived > 0, "no file was fully committed before the change");
        Assert.Equal(1, job.RestartCount);
        Assert.NotNull(job.CheckpointStats!.LatestRestored);
        Assert.Equal(expected.Order(StringComparer.Ordinal), FileChurnPipeline.Output.Results.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_file_truncated_before_it_was_read_fails_the_job_without_retries_unless_skipping_is_opted_in(bool skip)
    {
        List<string> expected = WriteInitialFiles();
        string last = Path.Combine(_input.Path, $"part-{Files - 1}.txt"); // the last split of subtask 1: not started yet
        FileChurnPipeline.Input = new FileLineSource(Path.Combine(_input.Path, "*.txt")) { SkipChangedFiles = skip };
        PipelineOptions options = Options(unaligned: false);
        options.RestartStrategy = null; // the default with checkpoints: ten restarts with backoff
        await using JobHandle job = FileChurnPipeline.Start(options);

        await ArchiveCommittedFilesAsync(archive: false);
        File.WriteAllText(last, "part-5-line-0\n");
        await CheckpointsCompleteAsync(job, 1);
        FileChurnPipeline.Failure.Arm();

        if (skip)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(expected.Where(l => !l.StartsWith($"part-{Files - 1}-", StringComparison.Ordinal)).Order(StringComparer.Ordinal),
                FileChurnPipeline.Output.Results.Order(StringComparer.Ordinal));
            return;
        }
        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        output.WriteLine($"restarts {job.RestartCount}: {error.Message}");
        Assert.True(JobConfigurationException.IsIn(error), error.ToString());
        Assert.InRange(job.RestartCount, 0, 1); // the injected failure may restart once; the refusal never is retried
        Assert.Contains(last, Flatten(error));
    }

    [Fact]
    public async Task A_checkpoint_between_two_batches_stores_the_position_then_so_a_file_whose_lines_all_went_out_is_read()
    {
        // Under backpressure a source is often stopped right after a batch went out; its split must then say where the
        // reader is now (a file finished with that batch is read), not "start of that batch, skip all of it".
        List<string> expected = WriteInitialFiles(linesPerFile: 2_000);
        FileChurnPipeline.Failure = new ArmedFailure { PauseEvery = 5 }; // never armed: a steady backpressure
        FileChurnPipeline.Input = new FileLineSource(Path.Combine(_input.Path, "*.txt"));
        PipelineOptions options = Options(unaligned: true); // barriers overtake the backlog: many checkpoints while backpressured
        options.Checkpointing.RetainedCheckpoints = 1_000;
        options.Checkpointing.RetainAfterFinish = true;
        string job0Name;
        await using (JobHandle job = FileChurnPipeline.Start(options))
        {
            job0Name = job.JobName;
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(expected.Order(StringComparer.Ordinal), FileChurnPipeline.Output.Results.Order(StringComparer.Ordinal));

        var storage = new DslFlow.Checkpointing.LocalCheckpointStorage(Path.Combine(_checkpoints.Path, job0Name));
        int splits = 0, betweenFiles = 0, checkpoints = 0;
        foreach (long id in storage.ListCompletedCheckpoints())
        {
            checkpoints++;
            var metadata = (await storage.LoadAndVerifyAsync(id, CancellationToken.None))!;
            var checkpoint = await DslFlow.Checkpointing.RestoredCheckpoint.LoadAsync(storage, metadata, CancellationToken.None);
            foreach (var part in checkpoint.OperatorListState(DslFlow.Checkpointing.RestoredCheckpoint.SourcePositionName("Lines")))
            {
                foreach (DslFlow.Execution.SourceSplit split in DslFlow.Execution.SourceSplit.DecodeList(part.Bytes))
                {
                    FileLineShare share = FileLineShare.Read(split.Position);
                    splits++;
                    betweenFiles += share.Current > 0 && share.Splits[share.Current - 1].IsRead && split.Skip == 0 ? 1 : 0;
                    // A skip counts records of a batch in flight: fewer than a batch, and only inside a file not yet read.
                    Assert.InRange(split.Skip, 0, options.BufferSize - 1);
                    if (split.Skip > 0)
                    {
                        Assert.False(share.IsDone || share.Splits[share.Current].IsRead, $"checkpoint {id}: a skip of {split.Skip} past a read file");
                    }
                }
            }
        }
        output.WriteLine($"{checkpoints} checkpoints, {splits} splits checked, {betweenFiles} past a finished file");
        // How many periodic checkpoints fall into the run depends on the machine; the invariants above hold for each one.
        Assert.True(checkpoints >= 1, "the final checkpoint is retained");
    }

    [Fact]
    public void With_checkpoints_on_a_missing_directory_or_an_empty_match_fails_Start_at_once()
    {
        string missing = Path.Combine(_input.Path, "nope", "*.txt");
        FileChurnPipeline.Input = new FileLineSource(missing);
        var error = Assert.Throws<JobConfigurationException>(() => FileChurnPipeline.Start(Options(unaligned: false)));
        Assert.Contains(missing, error.Message);

        string empty = Path.Combine(_input.Path, "*.csv");
        FileChurnPipeline.Input = new FileLineSource(empty);
        error = Assert.Throws<JobConfigurationException>(() => FileChurnPipeline.Start(Options(unaligned: false)));
        Assert.Contains("no file matches", error.Message);
    }

    private List<string> WriteInitialFiles(int linesPerFile = LinesPerFile)
    {
        FileChurnPipeline.Output = new CollectSink<string>();
        FileChurnPipeline.Failure = new ArmedFailure { SlowFrom = Files * LinesPerFile * 3 / 5 };
        var lines = new List<string>();
        for (int f = 0; f < Files; f++)
        {
            string[] content = [.. Enumerable.Range(0, linesPerFile).Select(n => $"part-{f}-line-{n}-é")];
            _input.Write($"part-{f}.txt", string.Join(f % 2 == 0 ? "\n" : "\r\n", content) + "\n");
            lines.AddRange(content);
        }
        return lines;
    }

    private PipelineOptions Options(bool unaligned)
    {
        var options = new PipelineOptions { BufferSize = 32, RestartStrategy = RestartStrategy.FixedDelay(3, TimeSpan.FromMilliseconds(10)) };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Directory = _checkpoints.Path;
        options.Checkpointing.Unaligned = unaligned;
        return options;
    }

    /// <summary>Waits until some first-listed file is fully committed, then (optionally) moves every such file away.</summary>
    private async Task<int> ArchiveCommittedFilesAsync(bool archive = true)
    {
        while (true)
        {
            IReadOnlyList<string> results = FileChurnPipeline.Output.Results;
            HashSet<string>? committed = null;
            string[] done = [.. Enumerable.Range(0, Files)
                .Where(f => results.Contains($"part-{f}-line-{LinesPerFile - 1}-é")
                    && Enumerable.Range(0, LinesPerFile).All(n => (committed ??= [.. results]).Contains($"part-{f}-line-{n}-é")))
                .Select(f => Path.Combine(_input.Path, $"part-{f}.txt"))];
            if (done.Length > 0)
            {
                if (archive)
                {
                    foreach (string file in done)
                    {
                        File.Move(file, Path.Combine(_archive.Path, Path.GetFileName(file)));
                    }
                }
                return done.Length;
            }
            await Task.Delay(10);
        }
    }

    /// <summary>Adds a file the way a producer should: written elsewhere, then moved in whole.</summary>
    private List<string> AddFile(string name, int lines)
    {
        string[] content = [.. Enumerable.Range(0, lines).Select(n => $"{name}-line-{n}")];
        string staged = _archive.Write($"{name}.staged", string.Join("\n", content) + "\n");
        File.Move(staged, Path.Combine(_input.Path, $"{name}.txt"));
        return [.. content];
    }

    private static async Task CheckpointsCompleteAsync(JobHandle job, int count)
    {
        long target = (job.CheckpointStats?.Counts.Completed ?? 0) + count;
        while ((job.CheckpointStats?.Counts.Completed ?? 0) < target && !job.Completion.IsCompleted)
        {
            await Task.Delay(2);
        }
    }

    private static string Flatten(Exception error) => error.InnerException is null ? error.Message : error.Message + " | " + Flatten(error.InnerException);
}
