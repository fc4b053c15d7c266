using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// Damaged checkpoints beside committed output (issue 11, defect 3): a restore never falls back past a checkpoint a
/// sink committed, and never starts from scratch when completed checkpoints exist but none can be read.
/// </summary>
public class DamagedCheckpointTests
{
    private const long Records = 4_000;

    public enum Damage
    {
        FlippedBytes,
        Truncated,
        MetadataDeleted,
    }

    [Theory]
    [InlineData(Damage.FlippedBytes)]
    [InlineData(Damage.Truncated)]
    [InlineData(Damage.MetadataDeleted)]
    public async Task A_damaged_newest_checkpoint_a_sink_committed_is_refused_and_RestoreFrom_accepts_the_fall_back(Damage damage)
    {
        using var dirs = new LedgerDirectories();
        PipelineOptions options = Ledger.Options(dirs.Checkpoints, retained: 3);
        await Ledger.RunAsync(options, dirs.Output, Records, triggered: 2); // chk-1, chk-2 half-way, chk-3 final
        string folder = Ledger.JobFolder(dirs.Checkpoints);
        Assert.Equal([1, 2, 3], new DslFlow.Checkpointing.LocalCheckpointStorage(folder).ListCompletedCheckpoints());
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(dirs.Output));
        Harm(Path.Combine(folder, "chk-3"), damage);

        var refusal = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints), dirs.Output, Records, Records));
        Assert.Contains("chk-3", refusal.Message);
        Assert.Contains("committed checkpoint 3", refusal.Message);
        Assert.Contains("RestoreFrom = \"chk-2\"", refusal.Message);
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(dirs.Output)); // nothing written twice
        Assert.True(Directory.Exists(Path.Combine(folder, "chk-3")), "the damaged checkpoint is kept for inspection");

        PipelineOptions named = Ledger.Options(dirs.Checkpoints);
        named.Checkpointing.RestoreFrom = "chk-2";
        await using JobHandle fallBack = Ledger.Start(named, dirs.Output, Records, Records);
        Assert.Equal(2, fallBack.RestoredCheckpointId);
        await fallBack.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        // Accepted explicitly: the records after checkpoint 2 are committed a second time.
        Assert.Equal(Records + Records / 2, Ledger.Committed(dirs.Output).Count);
    }

    [Fact]
    public async Task With_one_retained_checkpoint_a_damaged_one_fails_the_start_instead_of_replaying_the_input()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 1), dirs.Output, Records, triggered: 1);
        string checkpoint = Directory.GetDirectories(Ledger.JobFolder(dirs.Checkpoints), "chk-*").Single();
        Harm(checkpoint, Damage.FlippedBytes);

        var refusal = Assert.Throws<JobConfigurationException>(() => Ledger.Start(Ledger.Options(dirs.Checkpoints, retained: 1), dirs.Output, Records, Records));
        Assert.Contains("none of its completed checkpoints", refusal.Message);
        Assert.Contains($"{Path.GetFileName(checkpoint)}: ", refusal.Message);
        Assert.Contains("fails its checksum", refusal.Message);
        Assert.Contains("StartFresh", refusal.Message);
        Assert.Equal(Ledger.Expected(Records), Ledger.Committed(dirs.Output));
    }

    [Fact]
    public async Task A_damaged_newest_checkpoint_no_sink_committed_is_skipped_with_a_warning()
    {
        using var dirs = new LedgerDirectories();
        await Ledger.RunAsync(Ledger.Options(dirs.Checkpoints, retained: 3), dirs.Output, Records, triggered: 2);
        Harm(Path.Combine(Ledger.JobFolder(dirs.Checkpoints), "chk-3"), Damage.Truncated);
        Directory.Delete(Path.Combine(dirs.Output, ".commits"), recursive: true); // as if chk-3's completion never reached the sink
        string fresh = Path.Combine(dirs.Root, "out2"); // and a sink that has committed nothing of this run

        var logs = new ListLoggerProvider();
        PipelineOptions options = Ledger.Options(dirs.Checkpoints);
        options.LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));
        await using JobHandle job = Ledger.Start(options, fresh, Records, Records);
        Assert.Equal(2, job.RestoredCheckpointId);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        // The warning says which checkpoint was skipped and why, which one is restored, and what that means for the output
        // of sinks; it names no storage API the user never calls.
        string warning = Assert.Single(logs.Levels, l => l.Level == LogLevel.Warning && l.Message.Contains("chk-3", StringComparison.Ordinal)).Message;
        Assert.StartsWith("Job ledger cannot restore its newest checkpoint in ", warning, StringComparison.Ordinal);
        Assert.Contains("(chk-3: chk-3/t0-s0.state has the wrong length", warning, StringComparison.Ordinal);
        Assert.Contains("it restores the older checkpoint 2 instead", warning, StringComparison.Ordinal);
        Assert.Contains("sources resume from checkpoint 2", warning, StringComparison.Ordinal);
        Assert.Contains("transactional sinks that record their commits", warning, StringComparison.Ordinal);
        Assert.Contains("other sinks may write the output of those records a second time", warning, StringComparison.Ordinal);
        Assert.DoesNotContain("LoadLatestAsync", warning, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range((int)(Records / 2), (int)(Records / 2)).Select(i => (long)i), Ledger.Committed(fresh));
    }

    internal static void Harm(string checkpoint, Damage damage)
    {
        string state = Directory.GetFiles(checkpoint, "*.state").Order(StringComparer.Ordinal).First();
        switch (damage)
        {
            case Damage.FlippedBytes:
                byte[] bytes = File.ReadAllBytes(state);
                for (int i = 0; i < 16; i++)
                {
                    bytes[(bytes.Length / 2) + i - 8] ^= 0x5a;
                }
                File.WriteAllBytes(state, bytes);
                break;
            case Damage.Truncated:
                using (var file = new FileStream(state, FileMode.Open))
                {
                    file.SetLength(file.Length / 2);
                }
                break;
            default:
                File.Delete(Path.Combine(checkpoint, "_metadata"));
                break;
        }
    }
}
