using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Sources;
using Xunit.Abstractions;
using static DslFlow.Runtime.Tests.Sinks.FileSinkTestKit;

namespace DslFlow.Runtime.Tests.Sinks;

/// <summary>
/// A file sink that crashes at every step that changes the file system — creating, sealing and publishing parts,
/// recording commits, every step of a compaction and of the recovery after an earlier crash — while a second job
/// writes into the same directory and a consumer moves every published file away as soon as it sees it. After the
/// restarts, every record was published exactly once (counting what the consumer took), and the other job's files
/// were never touched.
/// </summary>
public sealed class FileSinkCrashMatrixTests(ITestOutputHelper output)
{
    private const int Records = 12;
    private const int PerCheckpoint = 2;
    private static readonly Guid OtherJob = new("0b0b0b0b-0000-4000-8000-00000000000b");

    public static TheoryData<bool, int> Steps()
    {
        var data = new TheoryData<bool, int>();
        foreach (bool compacting in new[] { false, true })
        {
            int steps = new Script(compacting, failAt: int.MaxValue, secondFailAt: int.MaxValue).Run(consumer: null);
            for (int step = 1; step <= steps; step++)
            {
                data.Add(compacting, step);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void Every_record_is_published_exactly_once_after_a_crash_at_any_step(bool compacting, int failAt)
    {
        using var directory = new TempDirectory();
        using var consumed = new TempDirectory();
        var other = new OtherJobFiles(directory.Path, compacting);
        // A second crash at every later step too would square the matrix; one crash during the first recovery suffices
        // to cover the recovery's own steps.
        var script = new Script(compacting, failAt, secondFailAt: failAt + 3) { Directory = directory.Path };
        script.Run(consumer: () => Consume(directory.Path, consumed.Path));
        output.WriteLine($"compacting={compacting}, crash at step {failAt}: {string.Join(" | ", script.Crashes)}");

        List<long> published = [.. Lines(consumed.Path).Concat(Lines(directory.Path)).Select(long.Parse).Order()];
        Assert.Equal(Enumerable.Range(0, Records).Select(i => (long)i), published);
        other.AssertUntouched();
    }

    private static IEnumerable<string> Lines(string directory) =>
        Directory.EnumerateFiles(directory, "*" + Part("*")).Order(StringComparer.Ordinal).SelectMany(File.ReadLines);

    /// <summary>A consumer that takes every published file of the job run under test as soon as it sees it.</summary>
    private static void Consume(string directory, string consumed)
    {
        foreach (string path in Directory.EnumerateFiles(directory, Part("*")))
        {
            File.Move(path, Path.Combine(consumed, $"{Guid.NewGuid():N}-{Path.GetFileName(path)}"));
        }
    }

    /// <summary>
    /// One job run writing <see cref="Records"/> records through checkpoints into a file sink, restarting from its
    /// last completed checkpoint after each crash, as a job would.
    /// </summary>
    private sealed class Script(bool compacting, int failAt, int secondFailAt)
    {
        private int _step;

        public string? Directory { get; init; }

        public List<string> Crashes { get; } = [];

        /// <summary>Runs to the end through the crashes; returns the number of file-system steps taken.</summary>
        public int Run(Action? consumer)
        {
            using var scratch = Directory is null ? new TempDirectory() : null;
            string directory = Directory ?? scratch!.Path;
            var positions = new Dictionary<long, int> { [0] = 0 };
            long completed = 0;
            long nextId = 1;
            while (true)
            {
                var sink = new FileSink<long>(directory)
                {
                    Compaction = compacting ? new FileCompaction { EveryCheckpoints = 2 } : null,
                    FaultInjector = Inject,
                };
                try
                {
                    sink.RecoverTransactions(Restoring(completed == 0 ? null : completed));
                    var writer = (ITwoPhaseCommitWriter<long>)sink.CreateWriter(Checkpointed(0));
                    for (int position = positions[completed]; position < Records; position += PerCheckpoint)
                    {
                        writer.Write([.. Enumerable.Range(position, PerCheckpoint).Select(i => (long)i)]);
                        long id = nextId++;
                        writer.PreCommit(id);
                        positions[id] = position + PerCheckpoint;
                        completed = id; // the checkpoint completed: its metadata is durable before the sink hears of it
                        writer.Commit(id);
                        consumer?.Invoke();
                    }
                    writer.Flush();
                    long final = nextId++;
                    writer.PreCommit(final);
                    positions[final] = Records;
                    completed = final;
                    writer.Commit(final);
                    writer.Dispose();
                    consumer?.Invoke();
                    return _step;
                }
                catch (SimulatedCrashException crash)
                {
                    Crashes.Add($"{crash.Message} (restores {completed})"); // the process died; the writer is abandoned
                    consumer?.Invoke();
                }
            }
        }

        private void Inject(string operation, string path)
        {
            _step++;
            if (_step == failAt || _step == secondFailAt)
            {
                throw new SimulatedCrashException($"step {_step}: {operation} {Path.GetFileName(path)}");
            }
        }
    }

    /// <summary>Another job's files in the same directory: pending, in progress, committed hidden and published.</summary>
    private sealed class OtherJobFiles
    {
        private readonly Dictionary<string, string> _files = [];
        private readonly string _directory;

        public OtherJobFiles(string directory, bool compacting)
        {
            _directory = directory;
            var sink = new FileSink<string>(directory) { Compaction = compacting ? new FileCompaction { EveryCheckpoints = 10 } : null };
            var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0, OtherJob));
            writer.Write(["other-1"]);
            writer.PreCommit(1);
            writer.Commit(1); // published, or hidden when compacting
            writer.Write(["other-2"]);
            writer.PreCommit(2); // pending: completed, its commit not yet there
            writer.Write(["other-3"]); // in progress
            // The writer stays open: the other job is still running.
            foreach (string path in System.IO.Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                _files.Add(Path.GetRelativePath(directory, path), File.ReadAllText(path));
            }
            // A published (or hidden) part, a pending part, an in-progress file and a commit record.
            Assert.Equal(4, _files.Count(f => f.Key.Contains(OtherJob.ToString("N"), StringComparison.Ordinal)));
        }

        public void AssertUntouched()
        {
            foreach ((string relative, string content) in _files)
            {
                string path = Path.Combine(_directory, relative);
                Assert.True(File.Exists(path), $"the other job's {relative} is gone");
                Assert.Equal(content, File.ReadAllText(path));
            }
        }
    }
}
