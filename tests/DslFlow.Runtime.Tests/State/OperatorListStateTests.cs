using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.State;

/// <summary>
/// Operator list state through the checkpoint path: each old subtask's list snapshotted into a task snapshot (encoded
/// and decoded), the checkpoint assembled, and every new subtask restored — Flink's even-split redistribution.
/// </summary>
public class OperatorListStateTests(ITestOutputHelper output)
{
    private const string Name = "Buffer.pending";

    [Fact]
    public void One_subtask_split_into_two_gives_each_a_contiguous_half()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1, 2, 3, 4, 5]);

        Assert.Equal([[1, 2], [3, 4, 5]], Restore(checkpoint, 2));
    }

    [Fact]
    public void Two_subtasks_split_into_three_concatenate_in_subtask_order_then_split_evenly()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1, 2, 3, 4], [5, 6, 7]);

        Assert.Equal([[1, 2], [3, 4], [5, 6, 7]], Restore(checkpoint, 3));
    }

    [Fact]
    public void Three_subtasks_merged_into_one_keep_every_element_in_subtask_order()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1], [2, 3], []);

        Assert.Equal([[1, 2, 3]], Restore(checkpoint, 1));
    }

    [Fact]
    public void Same_parallelism_gives_each_subtask_its_own_list_even_when_the_lists_are_uneven()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1, 2, 3, 4, 5], [], [6], [7, 8]);

        // An even split would give [1, 2], [3, 4], [5, 6], [7, 8].
        Assert.Equal([[1, 2, 3, 4, 5], [], [6], [7, 8]], Restore(checkpoint, 4));
    }

    [Fact]
    public void Subtask_order_comes_from_the_snapshots_not_from_the_order_the_files_were_read()
    {
        TaskStateSnapshot[] snapshots = Snapshots([10, 11], [20], [30, 31, 32]);
        RestoredCheckpoint checkpoint = RestoredCheckpoint.FromSnapshots(7, snapshots.Reverse());

        Assert.Equal([[10, 11, 20], [30, 31, 32]], Restore(checkpoint, 2));
    }

    [Fact]
    public void More_subtasks_than_elements_leave_some_subtasks_empty()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1], [2]);

        Assert.Equal([[], [1], [2]], Restore(checkpoint, 3));
    }

    [Fact]
    public void A_checkpoint_without_the_state_restores_an_empty_list()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1, 2]);
        var state = new OperatorListState<int>();
        state.Add(99);

        new OperatorListStateSnapshot<int>("Other.state", state).Restore(checkpoint.OperatorListState("Other.state"), 0, 1);

        Assert.Empty(state.Items);
    }

    [Fact]
    public void Rescaling_loses_and_duplicates_nothing_and_sizes_differ_by_at_most_one()
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int run = 0; run < 200; run++)
        {
            int before = random.Next(1, 9), after = random.Next(1, 9);
            int next = 0;
            int[][] lists = Enumerable.Range(0, before)
                .Select(_ => Enumerable.Range(0, random.Next(0, 12)).Select(_ => next++).ToArray())
                .ToArray();

            int[][] restored = Restore(Checkpoint(lists), after);

            string what = $"{before} -> {after}: [{string.Join("], [", lists.Select(l => string.Join(", ", l)))}]";
            Assert.True(Enumerable.Range(0, next).SequenceEqual(restored.SelectMany(l => l)), what);
            if (before != after)
            {
                Assert.True(restored.Max(l => l.Length) - restored.Min(l => l.Length) <= 1, what);
            }
        }
    }

    [Theory]
    [InlineData(7, 3, new[] { 0, 2, 4, 7 })]
    [InlineData(2, 3, new[] { 0, 0, 1, 2 })]
    [InlineData(0, 2, new[] { 0, 0, 0 })]
    public void Ranges_follow_i_n_over_p(int count, int parallelism, int[] bounds)
    {
        for (int i = 0; i < parallelism; i++)
        {
            Assert.Equal((bounds[i], bounds[i + 1]), OperatorListRedistribution.Range(count, i, parallelism));
        }
    }

    [Fact]
    public void Keyed_state_checks_ignore_operator_list_entries_written_with_another_number_of_key_groups()
    {
        RestoredCheckpoint checkpoint = Checkpoint([1]); // written with 128 key groups

        checkpoint.CheckKeyGroups(Name, maxParallelism: 64); // does not throw
        int blocks = 0;
        checkpoint.ReadKeyGroups(Name, new KeyGroupRange(0, 63), (_, _, _) => blocks++);
        Assert.Equal(0, blocks);
        Assert.Single(checkpoint.OperatorListState(Name));
    }

    [Fact]
    public void Without_a_serializer_the_runtime_looks_one_up_and_reads_the_same_bytes()
    {
        var state = new OperatorListState<string?>();
        state.AddRange(["a", null, "c"]);
        byte[] generated = new OperatorListStateSnapshot<string?>(Name, state, StringSerializer.Instance).Snapshot();
        byte[] looked = new OperatorListStateSnapshot<string?>(Name, state).Snapshot();

        Assert.Equal(generated, looked);
    }

    [Fact]
    public void The_facade_updates_from_its_own_items()
    {
        var state = new OperatorListState<int>();
        state.AddRange([1, 2, 3]);
        state.Update(state.Items.Skip(1));
        state.Add(4);

        Assert.Equal([2, 3, 4], state.Items);
        Assert.Equal(3, state.Count);
        state.Clear();
        Assert.Empty(state.Items);
    }

    /// <summary>A checkpoint of one task per list, in subtask order, taken with as many subtasks as lists.</summary>
    private static RestoredCheckpoint Checkpoint(params int[][] lists) => RestoredCheckpoint.FromSnapshots(7, Snapshots(lists));

    private static TaskStateSnapshot[] Snapshots(params int[][] lists) =>
        lists.Select((items, subtask) =>
        {
            var state = new OperatorListState<int>();
            state.AddRange(items);
            byte[] bytes = new OperatorListStateSnapshot<int>(Name, state, Int32Serializer.Instance).Snapshot();
            var snapshot = new TaskStateSnapshot(subtask, lists.Length, 128, [new StateEntry(Name, StateScope.OperatorList, bytes)]);
            return TaskStateSnapshot.Decode(snapshot.Encode()); // as a restore reads it from the state file
        }).ToArray();

    /// <summary>What each of <paramref name="parallelism"/> new subtasks holds after the restore.</summary>
    private static int[][] Restore(RestoredCheckpoint checkpoint, int parallelism) =>
        Enumerable.Range(0, parallelism).Select(subtask =>
        {
            var state = new OperatorListState<int>();
            state.Add(-1); // whatever a subtask held before is replaced
            new OperatorListStateSnapshot<int>(Name, state, Int32Serializer.Instance)
                .Restore(checkpoint.OperatorListState(Name), subtask, parallelism);
            return state.Items.ToArray();
        }).ToArray();
}
