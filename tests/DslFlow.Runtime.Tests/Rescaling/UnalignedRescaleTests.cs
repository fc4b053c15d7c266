using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Rescaling;

/// <summary>
/// The shape of Flink's <c>UnalignedCheckpointRescaleITCase</c>: a job runs under backpressure with unaligned
/// checkpoints, is cancelled once checkpoints hold in-flight records, and is started again with another parallelism
/// for every node from its latest checkpoint. Keyed state, source splits and in-flight records are redistributed:
/// every input value is committed exactly once, and every record reaches the subtask that owns its key group.
/// </summary>
public class UnalignedRescaleTests
{
    public enum Topology
    {
        Pipeline,
        Union,
        MultiInput,
    }

    private static readonly (int Before, int After)[] Rescales = [(1, 2), (2, 3), (3, 7), (7, 3), (4, 8), (8, 4), (20, 21), (21, 20)];

    public static TheoryData<Topology, int, int> Matrix()
    {
        var data = new TheoryData<Topology, int, int>();
        foreach (Topology topology in Enum.GetValues<Topology>())
        {
            foreach ((int before, int after) in Rescales)
            {
                data.Add(topology, before, after);
            }
        }
        return data;
    }

    public static TheoryData<int, int> RocksDbMatrix()
    {
        var data = new TheoryData<int, int>();
        foreach ((int before, int after) in Rescales)
        {
            data.Add(before, after);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public Task Restoring_an_unaligned_checkpoint_with_another_parallelism_commits_every_record_once_in_its_key_group(
        Topology topology, int before, int after) =>
        RescaleAndCheck(topology, before, after, StateBackendKind.Heap);

    [Theory]
    [MemberData(nameof(RocksDbMatrix))]
    public Task Restoring_an_unaligned_checkpoint_of_RocksDb_state_with_another_parallelism_commits_every_record_once_in_its_key_group(
        int before, int after) =>
        RescaleAndCheck(Topology.Pipeline, before, after, StateBackendKind.RocksDb);

    private static async Task RescaleAndCheck(Topology topology, int before, int after, StateBackendKind backend)
    {
        using var directory = new TempCheckpointDirectory();
        using var local = new TempCheckpointDirectory();
        RescaleRun.RecordsPerSource = 200_000;
        RescaleRun.RecordsPerSecond = 3_000 * before; // more than the sleeping verifiers take: their inputs back up
        RescaleRun.Slow = true;
        RescaleRun.Sink = new KeyGroupCheckingSink<Seen>(new CollectSink<Seen>(), s => RescaleRun.KeyGroupOf(s.Value), 128);

        CheckpointStats firstRun;
        await using (JobHandle first = Start(topology, Options(directory.Path, before, backend, local.Path)))
        {
            Eventually.True(() => first.CheckpointStats!.History.Count(c => c.Status == CheckpointStatus.Completed && c.PersistedInFlightBytes > 0) >= 2,
                "two checkpoints with in-flight records complete", timeoutMs: 60_000);
            first.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Completion);
            firstRun = first.CheckpointStats!;
        }

        RescaleRun.RecordsPerSecond = null;
        RescaleRun.Slow = false;
        await using (JobHandle second = Start(topology, Options(directory.Path, after, backend, local.Path)))
        {
            long restored = Assert.IsType<long>(second.RestoredCheckpointId);
            CheckpointRecord restoredRecord = firstRun.History.Single(c => c.Id == restored);
            Assert.True(restoredRecord.PersistedInFlightBytes > 0, $"checkpoint {restored} persisted no in-flight records");
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        IReadOnlyList<Seen> committed = RescaleRun.Sink.Inner.Results;
        long expected = RescaleRun.RecordsPerSource * Sources(topology);
        Assert.Equal(0, RescaleRun.Sink.Misplaced);
        Assert.Equal(expected, committed.Count);
        Assert.Equal(expected, committed.Select(s => s.Value).Distinct().LongCount());
        Assert.Equal(0, committed.Min(s => s.Value));
        Assert.Equal(expected - 1, committed.Max(s => s.Value));
        // Each key's running count (keyed state, moved between subtasks) went up by one per record: nothing replayed twice.
        foreach (IGrouping<int, Seen> key in committed.GroupBy(s => RescaleRun.KeyOf(s.Value)))
        {
            Assert.Equal(Enumerable.Range(1, key.Count()).Select(i => (long)i), key.Select(s => s.CountOfKey).Order());
        }
    }

    private static int Sources(Topology topology) => topology switch
    {
        Topology.Pipeline => 1,
        Topology.Union => 2,
        _ => 3,
    };

    private static JobHandle Start(Topology topology, PipelineOptions options) => topology switch
    {
        Topology.Pipeline => RescalePipeline.Start(options),
        Topology.Union => RescaleUnion.Start(options),
        _ => RescaleMultiInput.Start(options),
    };

    private static PipelineOptions Options(string directory, int parallelism, StateBackendKind backend, string localDirectory)
    {
        var options = new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 16, RestartStrategy = RestartStrategy.None };
        options.StateBackend.Kind = backend;
        options.StateBackend.RocksDb.LocalDirectory = localDirectory;
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Unaligned = true;
        options.Checkpointing.Directory = directory;
        options.Checkpointing.StatsHistorySize = 10_000;
        return options;
    }
}
