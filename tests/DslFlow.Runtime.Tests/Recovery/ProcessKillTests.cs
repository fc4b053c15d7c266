using System.Diagnostics;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>
/// A child process runs a checkpointed pipeline with a transactional file sink and is killed with SIGKILL at seeded
/// moments — some while a checkpoint is being written — then started again; its committed output must equal that of
/// a run without failures (aligned, unaligned, and aligned with file-sink compaction, where a kill may land in the
/// middle of a compaction). Only what must hold is asserted: every line committed exactly once and nothing left in the
/// sink's hidden folders. Whether a run ends with merged files depends on when the kills land; merging itself is tested
/// where the test controls the parts (<c>FileSinkCompactionTests</c>).
/// A discovering file source killed while files appear, before, during and after each run, must commit every line of
/// every file exactly once. In changelog mode the kills aim alternately at a materialization and at a log file being
/// written.
/// </summary>
public class ProcessKillTests(ITestOutputHelper output)
{
    private const long Records = 40_000;

    [Theory]
    [InlineData("aligned")]
    [InlineData("unaligned")]
    [InlineData("compacting")]
    [InlineData("changelog")]
    [InlineData("rocksdb")]
    [InlineData("changelog-rocksdb")]
    [InlineData("timers")]
    [InlineData("windows")]
    public async Task A_pipeline_killed_with_SIGKILL_and_restarted_commits_the_same_output_as_a_run_without_failures(string mode)
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);

        using var reference = new TempCheckpointDirectory();
        Assert.Equal("finished", await RunToEndAsync(reference.Path, rate: 0, mode));
        IReadOnlyList<string> expected = Committed(reference.Path);
        if (mode is "timers" or "windows")
        {
            Assert.True(expected.Count > Records / 100, $"{expected.Count} windows committed"); // a line per key and window
            Assert.DoesNotContain(expected, line => line.StartsWith("late", StringComparison.Ordinal));
        }
        else
        {
            Assert.Equal(Records, expected.Count);
        }

        using var work = new TempCheckpointDirectory();
        int killsDuringCheckpoint = 0;
        // Four kills at seeded moments; then, should none have landed while a checkpoint was being written (on a slow
        // machine), more kills as soon as one is (up to twelve in all), rather than a failure that depends on timing.
        for (int kill = 0; kill < 4 || (killsDuringCheckpoint == 0 && kill < 12); kill++)
        {
            bool extra = kill >= 4;
            using Process child = StartChild(work.Path, rate: 10_000, mode);
            await WaitForLineAsync(child, "started");
            await Task.Delay(extra ? 0 : random.Next(150, 600));
            // Prefer to kill while a checkpoint directory exists without its metadata (a checkpoint being written); with
            // the changelog, alternately while a materialization or a log file is being written (its temporary file).
            // With RocksDB, alternately while an SST is being copied and while the native checkpoint (flush and hard links) exists.
            string? sharedWrite = extra ? null : mode switch
            {
                "changelog" or "changelog-rocksdb" => kill % 2 == 0 ? ".materialization-" : ".changelog-",
                "rocksdb" when kill % 2 == 0 => ".rocksdb-",
                _ => null,
            };
            bool native = mode == "rocksdb" && !extra && sharedWrite is null;
            var deadline = Stopwatch.StartNew();
            bool duringCheckpoint = false, duringSharedWrite = false, duringNative = false;
            while (deadline.ElapsedMilliseconds < (extra ? 2_000 : 300)
                && !(native ? duringNative = NativeCheckpointInProgress(work.Path)
                    : sharedWrite is null ? duringCheckpoint = CheckpointInProgress(work.Path) : duringSharedWrite = SharedWriteInProgress(work.Path, sharedWrite)))
            {
                await Task.Delay(1);
            }
            duringCheckpoint |= (sharedWrite is not null || native) && CheckpointInProgress(work.Path);
            if (extra && child.HasExited)
            {
                break; // it finished: nothing left to kill
            }
            Assert.False(child.HasExited, "the child finished before it was killed; raise the record count or lower the rate");
            child.Kill(); // SIGKILL on Linux and macOS: no clean-up runs
            await child.WaitForExitAsync();
            killsDuringCheckpoint += duringCheckpoint ? 1 : 0;
            output.WriteLine($"kill {kill + 1}: {(duringCheckpoint ? "while a checkpoint was being written" : "between checkpoints")}"
                + $"{(duringSharedWrite ? $", while a {sharedWrite![1..]} file was being written" : "")}"
                + $"{(duringNative ? ", while a native RocksDB checkpoint existed" : "")}, "
                + $"{Committed(work.Path).Count} lines committed so far");
        }
        Assert.Equal("finished", await RunToEndAsync(work.Path, rate: 0, mode));

        // Reported, not asserted: where a kill lands depends on the machine's speed, and the invariants below hold either way.
        output.WriteLine($"{killsDuringCheckpoint} kills landed while a checkpoint was being written");
        IReadOnlyList<string> actual = Committed(work.Path);
        Assert.Equal(expected.Count, expected.Distinct(StringComparer.Ordinal).Count()); // each (key, count) line is unique
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal)); // so each is committed once
        // Nothing left hidden after the final checkpoint: no pending, in-progress or (compaction) committed-but-unmerged part.
        Assert.Empty(HiddenFiles(Path.Combine(work.Path, "out")));
        // The killed processes' RocksDB folders were deleted at the next start, the last run's own at its end.
        string rocksDb = Path.Combine(work.Path, "rocksdb");
        Assert.Empty(Directory.Exists(rocksDb) ? Directory.EnumerateDirectories(rocksDb, "*-*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public async Task A_discovering_file_source_killed_with_SIGKILL_while_files_appear_commits_every_line_of_every_file_once()
    {
        const int Files = 10, LinesPerFile = 2_000;
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        using var work = new TempCheckpointDirectory();
        string input = Directory.CreateDirectory(Path.Combine(work.Path, "in")).FullName;
        string staging = Directory.CreateDirectory(Path.Combine(work.Path, "staging")).FullName;
        var expected = new List<string>();
        int added = 0;
        void AddFile()
        {
            // A producer writes elsewhere and moves the file in whole: a discovered file is read up to its length then.
            string[] lines = [.. Enumerable.Range(0, LinesPerFile).Select(n => $"file-{added}-line-{n}")];
            string staged = Path.Combine(staging, $"file-{added:D2}.txt");
            File.WriteAllText(staged, string.Join("\n", lines) + "\n");
            File.Move(staged, Path.Combine(input, Path.GetFileName(staged)));
            expected.AddRange(lines);
            added++;
        }
        AddFile();
        AddFile();

        for (int kill = 0; kill < 3; kill++)
        {
            using Process child = StartChild(work.Path, rate: 10_000, "files", Files * LinesPerFile);
            await WaitForLineAsync(child, "started");
            await Task.Delay(random.Next(50, 250));
            AddFile(); // while it runs: discovered by one share
            await Task.Delay(random.Next(50, 250));
            var deadline = Stopwatch.StartNew();
            bool duringCheckpoint = false;
            while (deadline.ElapsedMilliseconds < 300 && !(duringCheckpoint = CheckpointInProgress(work.Path)))
            {
                await Task.Delay(1);
            }
            Assert.False(child.HasExited, "the child ended before it was killed");
            child.Kill();
            await child.WaitForExitAsync();
            AddFile(); // while it is down: found at the restore
            output.WriteLine($"kill {kill + 1}: {(duringCheckpoint ? "while a checkpoint was being written" : "between checkpoints")}, "
                + $"{Committed(work.Path).Count} lines committed so far, {added} files");
        }
        while (added < Files)
        {
            AddFile();
        }
        Assert.Equal("finished", await RunToEndAsync(work.Path, rate: 0, "files", Files * LinesPerFile));

        Assert.Equal(expected.Order(StringComparer.Ordinal), Committed(work.Path).Order(StringComparer.Ordinal));
    }

    /// <summary>Files in the sink's hidden folders (<c>.pending</c>, <c>.inprogress</c>, <c>.committed</c>), relative to it.</summary>
    private static IEnumerable<string> HiddenFiles(string output) =>
        Directory.EnumerateDirectories(output, ".*")
            .Where(folder => Path.GetFileName(folder) != ".commits") // the sink's commit records stay, by design
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            .Select(file => Path.GetRelativePath(output, file));

    private static IReadOnlyList<string> Committed(string work) =>
        new FileSink<string>(Path.Combine(work, "out")).ReadCommittedLines();

    /// <summary>Whether a shared file whose name starts with <paramref name="prefix"/> is being written (its temporary file exists).</summary>
    private static bool SharedWriteInProgress(string work, string prefix)
    {
        string checkpoints = Path.Combine(work, "checkpoints");
        return Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints, "shared", SearchOption.AllDirectories)
            .Any(shared => Directory.EnumerateFiles(shared, prefix + "*").Any());
    }

    private static bool NativeCheckpointInProgress(string work)
    {
        string rocksDb = Path.Combine(work, "rocksdb");
        return Directory.Exists(rocksDb) && Directory.EnumerateDirectories(rocksDb, "chk-*", SearchOption.AllDirectories).Any();
    }

    private static bool CheckpointInProgress(string work)
    {
        string checkpoints = Path.Combine(work, "checkpoints");
        return Directory.Exists(checkpoints) && Directory.EnumerateDirectories(checkpoints, "chk-*", SearchOption.AllDirectories)
            .Any(d => !File.Exists(Path.Combine(d, "_metadata")));
    }

    private static async Task<string> RunToEndAsync(string work, double rate, string mode, long records = Records)
    {
        using Process child = StartChild(work, rate, mode, records);
        string stdout = await child.StandardOutput.ReadToEndAsync();
        string stderr = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(child.ExitCode == 0, $"the child exited with {child.ExitCode}: {stdout} {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last();
    }

    private static async Task WaitForLineAsync(Process child, string prefix)
    {
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
        Assert.Fail($"the child exited before printing '{prefix}': {await child.StandardError.ReadToEndAsync()}");
    }

    private static Process StartChild(string work, double rate, string mode, long records = Records) =>
        HarnessProcess.Start(work, records.ToString(), rate.ToString(System.Globalization.CultureInfo.InvariantCulture), mode);
}
