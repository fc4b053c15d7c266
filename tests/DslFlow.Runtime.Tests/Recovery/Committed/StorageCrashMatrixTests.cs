using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>
/// A checkpoint storage that crashes, or fails with an I/O error, at every step that changes the file system — state
/// writes, metadata, retention, aborts, the discard of a finished job and the clean-up at start — run as a matrix: the
/// newest durable completed checkpoint is never lost, nothing older comes back after a finished job, and a job that
/// crashed at any step and started again commits every record exactly once.
/// </summary>
public class StorageCrashMatrixTests(ITestOutputHelper output)
{
    public enum Fault
    {
        Crash,
        IOError,
    }

    private static readonly byte[] Payload = [1, 2, 3, 4, 5, 6, 7, 8];

    public static TheoryData<Fault, int> StorageSteps()
    {
        var data = new TheoryData<Fault, int>();
        int steps = CountSteps();
        foreach (Fault fault in Enum.GetValues<Fault>())
        {
            for (int step = 1; step <= steps; step++)
            {
                data.Add(fault, step);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(StorageSteps))]
    public async Task The_newest_durable_checkpoint_survives_a_fault_at_every_storage_step(Fault fault, int failAt)
    {
        using var directory = new DslFlow.Runtime.Tests.Checkpointing.TempCheckpointDirectory();
        var steps = new List<string>();
        var storage = new LocalCheckpointStorage(directory.Path, retainedCheckpoints: 2) { FaultInjector = Injector(steps, fault, failAt) };
        Script script = new(storage);
        try
        {
            await script.RunAsync();
        }
        catch (SimulatedCrashException)
        {
            // the process died here
        }
        output.WriteLine($"{fault} at step {failAt}: {steps.LastOrDefault()}; durable {script.Durable}, discarding {script.Discarding}");

        var restarted = new LocalCheckpointStorage(directory.Path, retainedCheckpoints: 2);
        restarted.CleanUpPartial();
        List<long> completed = [.. restarted.ListCompletedCheckpoints()];
        foreach (long id in completed)
        {
            Assert.NotNull(await restarted.LoadCheckpointAsync(id)); // every checkpoint that looks completed is whole
        }
        Assert.All(restarted.ListPartialCheckpoints(), id => Assert.True(id > completed.DefaultIfEmpty(0).Max(),
            $"chk-{id} lost its metadata but is older than a completed checkpoint: a crash must not leave that"));
        if (script.Discarding is { } before)
        {
            // A finished job's discard goes oldest first: what is left is the newest part, never an older checkpoint alone.
            Assert.Equal(before.TakeLast(completed.Count), completed);
        }
        else
        {
            Assert.True(completed.DefaultIfEmpty(0).Max() >= script.Durable,
                $"checkpoint {script.Durable} completed durably but the newest left is {completed.DefaultIfEmpty(0).Max()}");
        }
    }

    public static TheoryData<int> JobSteps()
    {
        var data = new TheoryData<int>();
        for (int step = 1; step <= 12; step++)
        {
            data.Add(step);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(JobSteps))]
    public async Task A_job_whose_storage_crashed_at_any_step_commits_every_record_exactly_once_after_a_restart(int failAt)
    {
        const long records = 3_000;
        using var dirs = new LedgerDirectories();
        PipelineOptions options = Ledger.Options(dirs.Checkpoints, retained: 2);
        var steps = new List<string>();
        bool dead = false;
        JobHandle? crashed = null;
        options.Checkpointing.Storage = new LocalCheckpointStorage(Ledger.JobFolder(dirs.Checkpoints), 2)
        {
            FaultInjector = (step, path) =>
            {
                lock (steps)
                {
                    steps.Add(step);
                    if (dead)
                    {
                        throw new IOException("the process is gone"); // nothing it would still write reaches the disk
                    }
                    if (steps.Count == failAt)
                    {
                        dead = true;
                        _ = Task.Run(() => crashed?.Cancel()); // and it runs no further
                        throw new SimulatedCrashException(step);
                    }
                }
            },
        };
        var logs = new DslFlow.Runtime.Tests.Support.ListLoggerProvider();
        options.LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));
        crashed = Ledger.Start(options, dirs.Output, records, records / 2);
        await LedgerPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        try
        {
            for (int i = 0; i < 2 && !Volatile.Read(ref dead); i++)
            {
                await crashed.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
            }
        }
        catch (InvalidOperationException)
        {
            // the crash ended the job first
        }
        LedgerPipeline.Input.Resume();
        try
        {
            await crashed.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            output.WriteLine(string.Join("\n", logs.Lines.Select(l => l.Message)));
            foreach (var t in crashed.Tasks)
            {
                output.WriteLine($"task finished={t.IsFinished} waiting={t.IsWaitingForFinalCheckpoint} completion={t.Completion.Status}");
            }
            throw;
        }
        catch (Exception ex) when (ex is CheckpointFailureException or PipelineExecutionException or SimulatedCrashException
            or OperationCanceledException)
        {
        }
        await crashed.DisposeAsync();
        lock (steps)
        {
            output.WriteLine($"crash at step {failAt} of {steps.Count}: {(failAt <= steps.Count ? steps[failAt - 1] : "none (the run ended first)")}");
        }

        await using JobHandle again = Ledger.Start(Ledger.Options(dirs.Checkpoints, retained: 2), dirs.Output, records, records);
        await again.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(Ledger.Expected(records), Ledger.Committed(dirs.Output));
    }

    private static Action<string, string> Injector(List<string> steps, Fault fault, int failAt) => (step, _) =>
    {
        steps.Add(step);
        if (steps.Count == failAt)
        {
            throw fault == Fault.Crash ? new SimulatedCrashException(step) : new IOException($"injected I/O error at {step}");
        }
    };

    private static int CountSteps()
    {
        using var directory = new DslFlow.Runtime.Tests.Checkpointing.TempCheckpointDirectory();
        var steps = new List<string>();
        var storage = new LocalCheckpointStorage(directory.Path, retainedCheckpoints: 2) { FaultInjector = (step, _) => steps.Add(step) };
        new Script(storage).RunAsync().GetAwaiter().GetResult();
        new LocalCheckpointStorage(directory.Path, 2) { FaultInjector = (step, _) => steps.Add(step) }.CleanUpPartial();
        return steps.Count + 1; // and one step past the end: no fault at all
    }

    /// <summary>
    /// What a job does with its storage: four checkpoints (retention 2 retires two), an aborted one, one left in
    /// progress, a clean-up as at a restart, then the discard of the finished job.
    /// </summary>
    private sealed class Script(LocalCheckpointStorage storage)
    {
        public long Durable { get; private set; }

        public IReadOnlyList<long>? Discarding { get; private set; }

        public async Task RunAsync()
        {
            for (long id = 1; id <= 4; id++)
            {
                await CompleteAsync(id);
            }
            await TryAsync(async () =>
            {
                await storage.WriteStateAsync(5, "s-0.state", Payload);
                storage.AbortCheckpoint(5);
            });
            await TryAsync(() => storage.WriteStateAsync(6, "s-0.state", Payload));
            storage.CleanUpPartial();
            await CompleteAsync(7);
            Discarding = storage.ListCompletedCheckpoints();
            storage.DiscardAll();
        }

        private async Task CompleteAsync(long id)
        {
            await TryAsync(async () =>
            {
                StateHandle handle = await storage.WriteStateAsync(id, "s-0.state", Payload);
                await storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
                    new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("s", 0)] = [handle] }));
                Durable = id;
            });
        }

        // An I/O error fails one checkpoint (the coordinator goes on); a crash ends the script.
        private static async Task TryAsync(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException)
            {
            }
        }
    }
}
