using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>Runs <see cref="LedgerPipeline"/> with checkpoints the test triggers, and reads what its sink committed.</summary>
internal static class Ledger
{
    public static PipelineOptions Options(string checkpoints, string jobName = "ledger", int retained = 3, bool retainAfterFinish = true)
    {
        var options = new PipelineOptions { JobName = jobName, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the checkpoints the test triggers, and the final one
        options.Checkpointing.Directory = checkpoints;
        options.Checkpointing.RetainedCheckpoints = retained;
        options.Checkpointing.RetainAfterFinish = retainAfterFinish;
        return options;
    }

    public static JobHandle Start(PipelineOptions options, string output, long count, long pauseAt)
    {
        LedgerPipeline.Input = new GatedSource(count, pauseAt);
        LedgerPipeline.OutputDirectory = output;
        return LedgerPipeline.Start(options);
    }

    /// <summary>
    /// Runs to the end: <paramref name="triggered"/> checkpoints while the source waits half-way, then the rest and the
    /// final checkpoint. Returns the job (ended).
    /// </summary>
    public static async Task<JobHandle> RunAsync(PipelineOptions options, string output, long count, int triggered)
    {
        JobHandle job = Start(options, output, count, count / 2);
        await Task.WhenAny(LedgerPipeline.Input.Paused, job.Completion).WaitAsync(TimeSpan.FromMinutes(1));
        for (int i = 0; i < triggered && !job.Completion.IsCompleted; i++) // a job restored at its end does not pause
        {
            CheckpointRecord record = await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
            Assert.Equal(CheckpointStatus.Completed, record.Status);
        }
        LedgerPipeline.Input.Resume();
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        await job.DisposeAsync();
        return job;
    }

    public static IReadOnlyList<long> Committed(string output) =>
        [.. new FileSink<string>(output).ReadCommittedLines().Select(long.Parse).Order()];

    public static string JobFolder(string checkpoints, string jobName = "ledger") => Path.Combine(checkpoints, jobName);

    public static IEnumerable<long> Expected(long count) => Enumerable.Range(0, (int)count).Select(i => (long)i);
}

/// <summary>A checkpoint directory and an output directory for one test.</summary>
internal sealed class LedgerDirectories : IDisposable
{
    private readonly TempCheckpointDirectory _root = new();

    public string Checkpoints => Path.Combine(_root.Path, "checkpoints");

    public string Output => Path.Combine(_root.Path, "out");

    public string Root => _root.Path;

    public void Dispose() => _root.Dispose();
}
