using System.Diagnostics;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Jobs sharing a checkpoint directory (issue 11, defect 2): each keeps its checkpoints in its own folder, never
/// restores another's, and one running job holds its folder against a second.
/// </summary>
public class JobIsolationTests
{
    private const long Records = 2_000;

    [Fact]
    public async Task Two_jobs_in_one_checkpoint_directory_run_at_once_each_in_its_own_folder_and_commit_everything_once()
    {
        using var dirs = new LedgerDirectories();
        string outA = Path.Combine(dirs.Root, "a"), outB = Path.Combine(dirs.Root, "b");
        await using JobHandle a = Ledger.Start(Ledger.Options(dirs.Checkpoints, "a"), outA, Records, Records / 2);
        GatedSource sourceA = LedgerPipeline.Input;
        await using JobHandle b = Ledger.Start(Ledger.Options(dirs.Checkpoints, "b"), outB, Records, Records / 2);
        GatedSource sourceB = LedgerPipeline.Input;
        await Task.WhenAll(sourceA.Paused, sourceB.Paused).WaitAsync(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 3; i++)
        {
            await Task.WhenAll(a.TriggerCheckpointAsync(), b.TriggerCheckpointAsync()).WaitAsync(TimeSpan.FromMinutes(1));
        }
        sourceA.Resume();
        sourceB.Resume();
        await Task.WhenAll(a.Completion, b.Completion).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(outA));
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(outB));
        foreach (string job in new[] { "a", "b" })
        {
            string folder = Ledger.JobFolder(dirs.Checkpoints, job);
            Assert.True(File.Exists(Path.Combine(folder, "checkpoint-stats.json")), $"{job} writes its statistics in its folder");
            Assert.Equal(new long[] { 2, 3, 4 }, new LocalCheckpointStorage(folder).ListCompletedCheckpoints()); // neither retired the other's
        }
        Assert.Empty(Directory.GetDirectories(dirs.Checkpoints, "chk-*"));
    }

    [Fact]
    public async Task A_job_never_restores_the_checkpoint_another_job_left_in_the_same_directory()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, "a"), Path.Combine(dirs.Root, "a"), Records, triggered: 1);

        string outB = Path.Combine(dirs.Root, "b");
        JobHandle b = await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, "b"), outB, Records, triggered: 0);
        Assert.Null(b.RestoredCheckpointId);
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(outB)); // job B commits all of its own records
    }

    [Fact]
    public async Task A_checkpoint_of_another_job_or_run_is_refused_with_a_message_naming_both()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, "a"), dirs.Output, Records, triggered: 1);
        string folderA = Ledger.JobFolder(dirs.Checkpoints, "a");
        JobIdentity owner = JobIdentity.Decode(File.ReadAllText(Path.Combine(folderA, "_job")))!;

        // The folder copied under another job's name: its identity file names job a.
        CopyDirectory(folderA, Ledger.JobFolder(dirs.Checkpoints, "b"));
        var copied = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints, "b"), dirs.Output, Records, Records));
        Assert.Contains("belongs to job 'a'", copied.Message);
        Assert.Contains("not to job 'b'", copied.Message);

        // Another run of job a took the folder (its identity changed): the checkpoints are not that run's.
        var other = new JobIdentity("a", Guid.NewGuid());
        File.WriteAllText(Path.Combine(folderA, "_job"), other.Encode());
        var foreign = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints, "a"), dirs.Output, Records, Records));
        Assert.Contains(owner.JobId.ToString("D"), foreign.Message);
        Assert.Contains(other.JobId.ToString("D"), foreign.Message);
    }

    [Fact]
    public async Task A_second_start_of_a_running_job_is_refused_and_the_folder_is_free_once_the_job_ended()
    {
        using var dirs = new LedgerDirectories();
        await using JobHandle running = Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records / 2);
        GatedSource source = LedgerPipeline.Input;
        await source.Paused.WaitAsync(TimeSpan.FromMinutes(1));

        var refused = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records));
        Assert.Contains("is in use by another running job", refused.Message);
        Assert.Contains($"pid {Environment.ProcessId}", refused.Message);

        source.Resume();
        await running.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        JobHandle again = await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, triggered: 0);
        Assert.NotNull(again.RestoredCheckpointId);
    }

    [Fact]
    public async Task A_folder_locked_by_another_process_is_refused_and_released_when_that_process_is_killed()
    {
        using var dirs = new LedgerDirectories();
        using Process holder = StartHolder(dirs.Root);
        string folder = Path.Combine(dirs.Root, "checkpoints", "KillRestartPipeline");
        await WaitForLineAsync(holder, "started");

        var refused = Assert.Throws<JobConfigurationException>(() => JobCheckpointFolder.Open(Path.Combine(dirs.Root, "checkpoints"),
            "KillRestartPipeline", startFresh: false, NullLogger.Instance));
        Assert.Contains($"pid {holder.Id}", refused.Message);

        holder.Kill(); // SIGKILL: the process cannot release anything itself
        await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        using JobCheckpointFolder taken = JobCheckpointFolder.Open(Path.Combine(dirs.Root, "checkpoints"), "KillRestartPipeline",
            startFresh: false, NullLogger.Instance);
        Assert.Equal(folder, taken.FolderPath);
    }

    [Fact]
    public void Checkpoints_in_the_earlier_layout_are_refused_with_how_to_move_them()
    {
        using var dirs = new LedgerDirectories();
        Directory.CreateDirectory(Path.Combine(dirs.Checkpoints, "chk-7"));
        File.WriteAllBytes(Path.Combine(dirs.Checkpoints, "chk-7", "_metadata"), [1, 2, 3]);

        var refused = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records));
        Assert.Contains("chk-7", refused.Message);
        Assert.Contains($"mv '{dirs.Checkpoints}'/chk-* '{Ledger.JobFolder(dirs.Checkpoints)}/'", refused.Message);
        Assert.False(Directory.Exists(Ledger.JobFolder(dirs.Checkpoints)), "nothing started beside the old checkpoints");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) is "_lock")
            {
                continue;
            }
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>The SIGKILL harness in a slow run: it holds its job folder until killed.</summary>
    private static Process StartHolder(string work) => HarnessProcess.Start(work, "100000000", "1000", "aligned");

    private static async Task WaitForLineAsync(Process child, string prefix)
    {
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
        Assert.Fail($"the harness exited before printing '{prefix}': {await child.StandardError.ReadToEndAsync()}");
    }
}

/// <summary>Configuration errors fail at Start, not after minutes of restarts (issue 11, defect 8).</summary>
public class StartValidationTests
{
    [Fact]
    public void A_file_sink_whose_directory_is_a_file_fails_Start_at_once()
    {
        using var dirs = new LedgerDirectories();
        Directory.CreateDirectory(dirs.Root);
        string notADirectory = Path.Combine(dirs.Root, "out.txt");
        File.WriteAllText(notADirectory, "x");
        PipelineOptions options = Ledger.Options(dirs.Checkpoints);
        options.RestartStrategy = null; // the default with checkpoints: exponential backoff
        var error = Assert.Throws<JobConfigurationException>(() => Ledger.Start(options, notADirectory, 10, 10));
        Assert.Contains("is a file", error.Message);
    }
}
