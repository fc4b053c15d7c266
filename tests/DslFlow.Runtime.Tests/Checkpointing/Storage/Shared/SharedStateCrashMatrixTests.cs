using DslFlow.Checkpointing;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage.Shared;

/// <summary>
/// Crash consistency of shared state: a scripted run (shared files for checkpoint 1, complete 1, checkpoint 2 reusing
/// some and adding new ones, complete 2 which retires 1, abort 3 with a fresh shared file, a restart that finds
/// checkpoint 4 in progress with its own shared file, discard) is stopped at every step that changes the file system,
/// the clean-up at the restart included, by a crash or an I/O error. After a restart and its clean-up: no orphan
/// survives in <c>shared/</c>, and every completed checkpoint left loads with all its files.
/// </summary>
public class SharedStateCrashMatrixTests(ITestOutputHelper output)
{
    public enum Fault
    {
        Crash,
        IOError,
    }

    private const int Retained = 1;

    /// <summary>Every fault point of the script and of the clean-up after it, found by a run that only records them.</summary>
    public static TheoryData<Fault, int, string> FaultPoints()
    {
        using var directory = new TempCheckpointDirectory();
        var steps = new List<string>();
        Action<string, string> record = (step, _) => steps.Add(step);
        new Script(() => new LocalCheckpointStorage(directory.Path, Retained) { FaultInjector = record }).RunAsync().GetAwaiter().GetResult();
        var data = new TheoryData<Fault, int, string>();
        foreach (Fault fault in Enum.GetValues<Fault>())
        {
            for (int index = 0; index < steps.Count; index++)
            {
                data.Add(fault, index, steps[index]);
            }
        }
        return data;
    }

    [Fact]
    public void The_script_passes_every_shared_fault_point()
    {
        var names = FaultPoints().Select(row => (string)row[2]).ToHashSet();
        Assert.Superset(new HashSet<string> { "shared.create", "shared.write", "shared.rename", "shared.sync", "shared.delete",
            "metadata.rename", "retired.rename", "aborted.rename", "partial.rename", "cleanup.shared.delete", "discarded.rename",
            "discarded.shared.delete" }, names);
    }

    [Theory]
    [MemberData(nameof(FaultPoints))]
    public async Task No_orphan_survives_and_no_needed_shared_file_is_lost_after_a_fault_at_any_step(Fault fault, int index, string step)
    {
        using var directory = new TempCheckpointDirectory();
        int seen = 0;
        Action<string, string> inject = (at, _) =>
        {
            if (seen++ == index)
            {
                throw fault == Fault.Crash ? new SimulatedCrashException(at) : new IOException($"injected I/O error at {at}");
            }
        };
        var script = new Script(() => new LocalCheckpointStorage(directory.Path, Retained) { FaultInjector = inject });
        try
        {
            await script.RunAsync();
        }
        catch (SimulatedCrashException)
        {
            // the process died here
        }
        string where = $"after a {fault} at fault point {index} ('{step}')";
        output.WriteLine($"{where}: durable {script.Durable}, discarding {script.Discarding}");

        var restarted = new LocalCheckpointStorage(directory.Path, Retained);
        restarted.CleanUpPartial();

        var referenced = new HashSet<string>(StringComparer.Ordinal);
        List<long> completed = [.. restarted.ListCompletedCheckpoints()];
        foreach (long id in completed)
        {
            CheckpointMetadata? metadata = null;
            var exception = await Record.ExceptionAsync(async () => metadata = await restarted.LoadCheckpointAsync(id));
            Assert.True(exception is null && metadata is not null,
                $"{where}: completed checkpoint {id} does not load: {exception?.Message ?? "no metadata"}");
            referenced.UnionWith(metadata!.AllHandles.Select(handle => handle.RelativePath));
        }
        if (completed.Count > 0)
        {
            Assert.True(await restarted.LoadLatestAsync() is not null, $"{where}: LoadLatestAsync found no valid checkpoint");
        }
        string shared = Path.Combine(directory.Path, "shared");
        foreach (string file in Directory.Exists(shared) ? Directory.EnumerateFiles(shared) : [])
        {
            string relative = "shared/" + Path.GetFileName(file);
            Assert.True(referenced.Contains(relative),
                $"{where}: {relative} survived the restart although no completed checkpoint ({string.Join(", ", completed)}) lists it");
        }
        if (script.Discarding is null)
        {
            Assert.True(completed.DefaultIfEmpty(0).Max() >= script.Durable,
                $"{where}: checkpoint {script.Durable} completed but the newest left is {completed.DefaultIfEmpty(0).Max()}");
        }
    }

    /// <summary>What a job with incremental state does with its storage, the steps of the issue's matrix.</summary>
    private sealed class Script(Func<LocalCheckpointStorage> open)
    {
        private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

        private LocalCheckpointStorage _storage = open();

        /// <summary>The newest checkpoint whose completion returned.</summary>
        public long Durable { get; private set; }

        /// <summary>Set when the discard of the finished job began: from then on nothing needs to survive.</summary>
        public string? Discarding { get; private set; }

        public async Task RunAsync()
        {
            StateHandle? a1 = null;
            StateHandle? b1 = null;
            await TryAsync(async () =>
            {
                a1 = await _storage.WriteSharedStateAsync(1, "op-0-a", Bytes(1));
                b1 = await _storage.WriteSharedStateAsync(1, "op-0-b", Bytes(2));
                StateHandle own = await _storage.WriteStateAsync(1, "op-0.state", Bytes(3));
                await CompleteAsync(1, own, a1, b1);
            });
            await TryAsync(async () =>
            {
                StateHandle c2 = await _storage.WriteSharedStateAsync(2, "op-0-c", Bytes(4));
                StateHandle own = await _storage.WriteStateAsync(2, "op-0.state", Bytes(5));
                // Reuses a1 (b1 is dropped, so retiring 1 deletes it) and adds c2; completing retires 1 (retention 1).
                await CompleteAsync(2, [own, c2, .. Durable == 1 ? new[] { a1! } : []]);
            });
            await TryAsync(async () =>
            {
                await _storage.WriteSharedStateAsync(3, "op-0-d", Bytes(6));
                await _storage.WriteStateAsync(3, "op-0.state", Bytes(7));
                _storage.AbortCheckpoint(3);
            });
            await TryAsync(async () =>
            {
                await _storage.WriteSharedStateAsync(4, "op-0-e", Bytes(8));
                await _storage.WriteStateAsync(4, "op-0.state", Bytes(9));
            });
            _storage = open(); // the process stopped with checkpoint 4 in progress; the restart cleans up
            _storage.CleanUpPartial();
            Discarding = string.Join(", ", _storage.ListCompletedCheckpoints());
            _storage.DiscardAll();
        }

        private async Task CompleteAsync(long id, params StateHandle[] handles)
        {
            await _storage.CompleteCheckpointAsync(new CheckpointMetadata(id, At, At,
                new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("op", 0)] = handles }));
            Durable = id;
        }

        private static byte[] Bytes(int seed) => [.. Enumerable.Range(0, 64).Select(i => (byte)(i * seed))];

        // An I/O error fails one checkpoint (the coordinator goes on); a crash ends the script.
        private static async Task TryAsync(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or ArgumentException)
            {
            }
        }
    }
}
