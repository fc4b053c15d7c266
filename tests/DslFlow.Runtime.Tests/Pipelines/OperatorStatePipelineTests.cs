using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Serialization;
using DslFlow.State;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Pipelines;

/// <summary>A non-keyed subtask's running count, held in operator list state (one element per subtask).</summary>
public readonly record struct SubtaskCounter(long Id, long Count);

/// <summary>What the counting node emitted: its counter's id and count after the record, and the record.</summary>
public readonly record struct Counted(long Id, long Count, long Value);

/// <summary>
/// Ordered sources and a map that fails on cue (fused, parallelism 2) → a rebalancing edge → a non-keyed process node
/// whose subtasks keep a running counter and every value they saw in <see cref="OperatorListState{T}"/> → the
/// transactional collect sink. The counting node takes the pipeline's default parallelism, so a test can rescale it.
/// </summary>
[Pipeline]
public static partial class OperatorStatePipeline
{
    public static long RecordCount { get; set; } = 20_000;

    public static double RecordsPerSecond { get; set; } = 5_000;

    public static CollectSink<Counted> Output { get; set; } = new();

    [Source(Parallelism = 2)]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    [Map(nameof(Numbers), Parallelism = 2)]
    public static long FailingMap(long value)
    {
        OneFailure.ThrowIfArmed(value);
        return value;
    }

    [Process(nameof(FailingMap), Partitioning = Partitioning.Rebalance)]
    public static void Count(long value, OperatorListState<SubtaskCounter> counter, OperatorListState<long> seen, Collector<Counted> output)
    {
        // A subtask without a counter (a fresh start, or a rescale that gave it none) starts one under a new id.
        SubtaskCounter current = counter.Count == 0 ? new SubtaskCounter(CounterIds.Next(), 0) : counter.Items[0];
        current = current with { Count = current.Count + 1 };
        counter.Update([current, .. counter.Items.Skip(1)]);
        seen.Add(value);
        output.Emit(new Counted(current.Id, current.Count, value));
    }

    [Sink(nameof(Count))]
    public static CollectSink<Counted> Out() => Output;
}

/// <summary>Ids of counters, unique in the test process.</summary>
public static class CounterIds
{
    private static long s_next;

    public static long Next() => Interlocked.Increment(ref s_next);
}

/// <summary>One failure of the map, armed by the test at the moment it chooses.</summary>
public static class OneFailure
{
    private static int s_armed;
    private static int s_injected;

    public static int Injected => Volatile.Read(ref s_injected);

    public static void Arm() => Volatile.Write(ref s_armed, 1);

    public static void Reset()
    {
        Volatile.Write(ref s_armed, 0);
        Volatile.Write(ref s_injected, 0);
    }

    public static void ThrowIfArmed(long value)
    {
        if (Interlocked.Exchange(ref s_armed, 0) == 1)
        {
            Interlocked.Increment(ref s_injected);
            throw new InvalidOperationException($"injected map failure at value {value}");
        }
    }
}

public class OperatorStatePipelineTests(ITestOutputHelper output)
{
    private const string SeenState = "Count.seen";

    [Fact]
    public async Task A_failure_after_checkpoints_restores_each_subtask_counter_and_the_counts_continue_exactly()
    {
        Prepare();
        using var directory = new TempCheckpointDirectory();
        PipelineOptions options = Options(directory.Path, parallelism: 2);
        options.RestartStrategy = RestartStrategy.FixedDelay(5, TimeSpan.FromMilliseconds(10));

        await using (JobHandle job = OperatorStatePipeline.Start(options))
        {
            WaitForCountersInACheckpoint(job);
            OneFailure.Arm();
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
            output.WriteLine($"restarts {job.RestartCount}, restored checkpoint {job.RestoredCheckpointId}, "
                + $"completed checkpoints {job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed)}");
            Assert.Equal(1, OneFailure.Injected);
            Assert.Equal(1, job.RestartCount);
            Assert.NotNull(job.RestoredCheckpointId);
        }

        // Every record once; each sink subtask (fused with one counting subtask) saw one counter counting 1, 2, ..., n.
        IReadOnlyList<Counted> committed = OperatorStatePipeline.Output.Results;
        Assert.Equal(Enumerable.Range(0, (int)OperatorStatePipeline.RecordCount).Select(i => (long)i), committed.Select(c => c.Value).Order());
        for (int subtask = 0; subtask < 2; subtask++)
        {
            IReadOnlyList<Counted> records = OperatorStatePipeline.Output.ResultsOf(subtask);
            Assert.Single(records.Select(c => c.Id).Distinct());
            Assert.Equal(Enumerable.Range(1, records.Count).Select(i => (long)i), records.Select(c => c.Count));
        }
    }

    [Fact]
    public async Task A_restart_with_more_subtasks_splits_the_old_lists_evenly_and_loses_nothing()
    {
        Prepare();
        using var directory = new TempCheckpointDirectory();

        await using (JobHandle first = OperatorStatePipeline.Start(Options(directory.Path, parallelism: 2)))
        {
            WaitForCountersInACheckpoint(first);
            first.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Completion);
        }
        int committedBefore = OperatorStatePipeline.Output.Results.Count;
        Assert.InRange(committedBefore, 1, (int)OperatorStatePipeline.RecordCount - 1);
        (long restoredId, List<OperatorListPart> old) = await ReadLatestAsync(directory.Path, SeenState);
        Assert.Equal([(0, 2), (1, 2)], old.Select(p => (p.Subtask, p.Parallelism)));
        List<long> concatenated = old.SelectMany(p => Decode(p.Bytes)).ToList();
        long[] oldIds = OperatorStatePipeline.Output.Results.Select(c => c.Id).Distinct().Order().ToArray();

        OperatorStatePipeline.RecordsPerSecond = 1_000_000;
        PipelineOptions rescaled = Options(directory.Path, parallelism: 3);
        rescaled.Checkpointing.RetainAfterFinish = true; // read the final state below
        await using (JobHandle second = OperatorStatePipeline.Start(rescaled))
        {
            Assert.Equal(restoredId, second.RestoredCheckpointId);
            Assert.Equal(3, second.GetProgress().Tasks.Count(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)));
            await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        // Each new subtask's final list starts with its even share of the old lists (it only appended since).
        (_, List<OperatorListPart> final) = await ReadLatestAsync(directory.Path, SeenState);
        Assert.Equal([(0, 3), (1, 3), (2, 3)], final.Select(p => (p.Subtask, p.Parallelism)));
        int restoredTotal = 0;
        for (int subtask = 0; subtask < 3; subtask++)
        {
            (int start, int end) = OperatorListRedistribution.Range(concatenated.Count, subtask, 3);
            List<long> list = Decode(final[subtask].Bytes);
            Assert.Equal(concatenated.GetRange(start, end - start), list.Take(end - start));
            restoredTotal += end - start;
        }
        output.WriteLine($"restored {restoredTotal} of {concatenated.Count} elements from checkpoint {restoredId}; {committedBefore} records committed before");
        Assert.Equal(concatenated.Count, restoredTotal);
        var all = final.SelectMany(p => Decode(p.Bytes)).Order().ToList();
        Assert.Equal(Enumerable.Range(0, (int)OperatorStatePipeline.RecordCount).Select(i => (long)i), all);

        // Every record committed once over both runs; the two old counters moved whole and kept counting, the new
        // subtask that got none started its own.
        IReadOnlyList<Counted> committed = OperatorStatePipeline.Output.Results;
        Assert.Equal(Enumerable.Range(0, (int)OperatorStatePipeline.RecordCount).Select(i => (long)i), committed.Select(c => c.Value).Order());
        var byId = committed.GroupBy(c => c.Id).ToList();
        Assert.Equal(3, byId.Count);
        Assert.All(oldIds, id => Assert.Contains(byId, g => g.Key == id));
        foreach (IGrouping<long, Counted> counter in byId)
        {
            Assert.Equal(Enumerable.Range(1, counter.Count()).Select(i => (long)i), counter.Select(c => c.Count).Order());
        }
    }

    private static void Prepare()
    {
        OneFailure.Reset();
        OperatorStatePipeline.RecordCount = 20_000;
        OperatorStatePipeline.RecordsPerSecond = 5_000; // about four seconds: long enough to fail or cancel mid-run on a busy machine
        OperatorStatePipeline.Output = new CollectSink<Counted>();
    }

    private static PipelineOptions Options(string directory, int parallelism)
    {
        var options = new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 32, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Directory = directory;
        return options;
    }

    /// <summary>Both counting subtasks' counters are in a completed checkpoint, and a few checkpoints completed.</summary>
    private void WaitForCountersInACheckpoint(JobHandle job)
    {
        Eventually.True(() => job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) >= 2
            && OperatorStatePipeline.Output.Results.Select(c => c.Id).Distinct().Count() == 2,
            "two checkpoints complete and both counters are committed");
        JobProgress progress = job.GetProgress();
        output.WriteLine($"after {progress.Elapsed.TotalMilliseconds:F0} ms: {progress.SourceRecords} source records, "
            + $"{job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed)} checkpoints completed");
    }

    /// <summary>Every subtask's saved list of an operator list state in the latest completed checkpoint, by subtask.</summary>
    private static async Task<(long CheckpointId, List<OperatorListPart> Parts)> ReadLatestAsync(string directory, string state)
    {
        var storage = new LocalCheckpointStorage(TempCheckpointDirectory.OnlyJobFolder(directory));
        CheckpointMetadata latest = (await storage.LoadLatestAsync())!;
        var parts = new List<OperatorListPart>();
        foreach ((OperatorSubtaskId _, IReadOnlyList<StateHandle> handles) in latest.SubtaskStates)
        {
            foreach (StateHandle handle in handles)
            {
                TaskStateSnapshot snapshot = TaskStateSnapshot.Decode(await storage.ReadStateAsync(handle));
                parts.AddRange(snapshot.States
                    .Where(e => e.Name == state && e.Scope == StateScope.OperatorList)
                    .Select(e => new OperatorListPart(snapshot.SubtaskIndex, snapshot.Parallelism, e.Bytes)));
            }
        }
        return (latest.CheckpointId, parts.OrderBy(p => p.Subtask).ToList());
    }

    private static List<long> Decode(byte[] bytes)
    {
        var reader = new StateReader(bytes);
        List<long> list = new ListSerializer<long>(Int64Serializer.Instance).Read(ref reader)!;
        reader.ExpectEnd();
        return list;
    }
}
