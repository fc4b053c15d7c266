using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Serialization;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>The keyed count of <see cref="IntermediateCheckpointTests"/>: a stepped source → a keyed count → a collecting sink.</summary>
[Pipeline]
public static partial class SteppedCounterPipeline
{
    public const int Keys = 13;

    public static SteppedSource Input { get; set; } = new();

    public static CollectSink<(long Key, long Count)> Output { get; set; } = new();

    [Source]
    public static SteppedSource Numbers() => Input;

    [Map(nameof(Numbers), KeyBy = nameof(Key))]
    public static (long Key, long Count) Count(long value, ValueState<long> count) => (Key(value), ++count.Value);

    public static long Key(long value) => value % Keys;

    [Sink(nameof(Count))]
    public static CollectSink<(long Key, long Count)> Out() => Output;
}

/// <summary>Emits 0, 1, 2, … up to the limit the test raised with <see cref="Allow"/>, resumable at its position.</summary>
public sealed class SteppedSource : ICheckpointedSource<long>
{
    private long _limit;

    /// <summary>Lets <paramref name="records"/> more records through.</summary>
    public void Allow(long records) => Interlocked.Add(ref _limit, records);

    public long Limit => Volatile.Read(ref _limit);

    public ISourceReader<long> CreateReader(NodeContext context) => new Reader(this, 0);

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        var reader = new StateReader(position);
        long next = reader.ReadVarInt64();
        reader.ExpectEnd();
        return new Reader(this, next);
    }

    private sealed class Reader(SteppedSource source, long next) : ISourceReader<long>, ICheckpointedReader
    {
        private long _next = next;

        public ReadResult Read(Span<long> destination)
        {
            int n = (int)Math.Min(destination.Length, source.Limit - _next);
            for (int i = 0; i < n; i++)
            {
                destination[i] = _next++;
            }
            return n > 0 ? new ReadResult(n, ReadStatus.MoreAvailable) : new ReadResult(0, ReadStatus.NothingAvailable);
        }

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => new(Task.Delay(1, cancellationToken));

        public void WritePosition(ref StateWriter writer) => writer.WriteVarInt64(_next);

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// Flink's FLINK-40302 (open): an intermediate native savepoint consumes a materialization id that is never confirmed,
/// so materialization stops for ever and the log grows without bound. DslFlow's checkpoints never take a
/// materialization id, so on-demand checkpoints between two materializations and a stop-with-checkpoint must leave
/// the next materialization due one interval after the last, in this run and in the run restored from the stop. The
/// materialization clock is a fake one the test moves; DslFlow has no savepoints yet (they must join this test).
/// </summary>
public class IntermediateCheckpointTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private const int Step = 130; // every key, ten times, each step

    private static PipelineOptions Options(string directory, TimeProvider clock)
    {
        var options = new PipelineOptions { JobName = "stepped", RestartStrategy = RestartStrategy.None, TimeProvider = clock };
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = 2;
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only triggered checkpoints
        options.Checkpointing.Timeout = TimeSpan.FromHours(2);
        options.Checkpointing.Directory = directory;
        options.Changelog.Enabled = true;
        options.Changelog.MaterializationInterval = Interval;
        options.Changelog.PersistDelay = TimeSpan.Zero; // the fake clock would hold a delayed write for ever
        return options;
    }

    /// <summary>
    /// Lets one step through and waits until the counting subtasks consumed everything let through since the run
    /// started at <paramref name="runStart"/> records.
    /// </summary>
    private static async Task StepAsync(JobHandle job, long runStart = 0)
    {
        SteppedCounterPipeline.Input.Allow(Step);
        long expected = SteppedCounterPipeline.Input.Limit - runStart;
        for (int i = 0; i < 6_000 && CountedRecords(job) < expected; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(expected, CountedRecords(job));
    }

    private static long CountedRecords(JobHandle job) =>
        job.GetProgress().Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Sum(t => t.RecordsIn);

    /// <summary>Waits until <paramref name="count"/> materializations of this run completed; returns them.</summary>
    private static async Task<IReadOnlyList<MaterializationRecord>> MaterializedAsync(JobHandle job, int count)
    {
        for (int i = 0; i < 6_000 && job.CheckpointStats!.CompletedMaterializations < count; i++)
        {
            await Task.Delay(10);
        }
        CheckpointStats stats = job.CheckpointStats!;
        Assert.Equal(count, stats.CompletedMaterializations);
        return [.. stats.Materializations.Where(m => m.Completed)];
    }

    private static async Task CheckpointAsync(JobHandle job) =>
        Assert.Equal(CheckpointStatus.Completed, (await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1))).Status);

    [Fact]
    public async Task On_demand_checkpoints_and_a_stop_with_checkpoint_leave_the_next_materialization_due_one_interval_later()
    {
        using var directory = new TempCheckpointDirectory();
        SteppedCounterPipeline.Input = new SteppedSource();
        SteppedCounterPipeline.Output = new CollectSink<(long, long)>();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using (JobHandle first = SteppedCounterPipeline.Start(Options(directory.Path, clock)))
        {
            await StepAsync(first);
            await CheckpointAsync(first); // sets each subtask's first due time, within one interval
            clock.Advance(Interval);
            await CheckpointAsync(first); // both due: materialization 1 of each subtask starts
            await MaterializedAsync(first, 2);
            await CheckpointAsync(first); // uses and confirms them

            for (int i = 0; i < 3; i++) // intermediate checkpoints with changes, before the next is due
            {
                await StepAsync(first);
                await CheckpointAsync(first);
            }
            Assert.Equal(2, first.CheckpointStats!.CompletedMaterializations + first.CheckpointStats.FailedMaterializations);

            clock.Advance(Interval);
            await CheckpointAsync(first); // one interval after the last: materialization 2 starts
            IReadOnlyList<MaterializationRecord> second = await MaterializedAsync(first, 4);
            Assert.Equal([1, 1, 2, 2], second.Select(m => m.Id).Order());
            await StepAsync(first);
            await first.StopWithCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }

        var restoredClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        long stoppedAt = SteppedCounterPipeline.Input.Limit; // the stop's checkpoint holds every record so far
        await using JobHandle restored = SteppedCounterPipeline.Start(Options(directory.Path, restoredClock));
        Assert.NotNull(restored.RestoredCheckpointId);
        await StepAsync(restored, stoppedAt);
        await CheckpointAsync(restored);
        restoredClock.Advance(Interval);
        await CheckpointAsync(restored);
        IReadOnlyList<MaterializationRecord> third = await MaterializedAsync(restored, 2);

        Assert.Equal([3, 3], third.Select(m => m.Id)); // numbered on from the restored materializations
        await CheckpointAsync(restored); // commits the output so far
        restored.Cancel();
        IEnumerable<(long Key, long Count)> last = SteppedCounterPipeline.Output.Results.GroupBy(r => r.Key).Select(g => g.Last());
        Assert.All(last, r => Assert.Equal(6 * Step / SteppedCounterPipeline.Keys, r.Count)); // six steps, each key ten times a step
    }
}
