using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Pipelines;
using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class StateSnapshotTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Completed_checkpoints_store_keyed_state_that_restores_to_the_counts_the_job_computed(int parallelism)
    {
        var random = new Random(11);
        string[] keys = Enumerable.Range(0, 50).Select(i => $"k{i}").ToArray();
        KeyedCountPipeline.Input = Enumerable.Range(0, 5_000).Select(i => (keys[random.Next(keys.Length)], i)).ToArray();
        KeyedCountPipeline.Output = new CollectSink<(string Key, long Count)>();
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { DefaultParallelism = parallelism, BufferSize = 32 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(10);
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.RetainAfterFinish = true; // read the final checkpoint below

        await using (JobHandle job = KeyedCountPipeline.Start(options))
        {
            try
            {
                await job.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            }
            catch (TimeoutException)
            {
                Assert.Fail("The job did not end. Checkpoints: " + string.Join("; ", job.Checkpoints) + " Tasks: " +
                    string.Join("; ", job.Tasks.Select(t => $"{t.Context.TaskName}/{t.Context.SubtaskIndex} finished={t.IsFinished} waiting={t.IsWaitingForFinalCheckpoint} final={t.HasFinalSnapshot}")));
            }
        }

        // The last completed checkpoint is the final one: it covers every record.
        var storage = new LocalCheckpointStorage(directory.JobFolder);
        CheckpointMetadata latest = (await storage.LoadLatestAsync())!;
        string keyedTask = KeyedCountPipeline.Graph.Chains[KeyedCountPipeline.Graph.ChainOf("Count")].Name;
        var restored = new Dictionary<string, long>();
        var table = State.HeapStates.Value<string, long>("Count.count", new KeyGroupRange(0, KeyedCountPipeline.Graph.MaxParallelism - 1));
        int keyedSubtasks = 0;
        foreach ((OperatorSubtaskId subtask, IReadOnlyList<StateHandle> handles) in latest.SubtaskStates)
        {
            StateHandle handle = Assert.Single(handles); // one state file per subtask and checkpoint
            TaskStateSnapshot snapshot = TaskStateSnapshot.Decode(await storage.ReadStateAsync(handle));
            Assert.Equal(subtask.SubtaskIndex, snapshot.SubtaskIndex);
            foreach (StateEntry entry in snapshot.States.Where(e => e.Name == "Count.count"))
            {
                Assert.Equal(keyedTask, subtask.OperatorId);
                Assert.Equal(StateScope.Keyed, entry.Scope);
                State.HeapStates.Restore(table, entry.Blocks, KeyedCountPipeline.Graph.MaxParallelism);
                keyedSubtasks++;
            }
        }
        Assert.Equal(parallelism, keyedSubtasks);
        foreach (IGrouping<string, (string Key, int Value)> group in KeyedCountPipeline.Input.GroupBy(e => e.Key))
        {
            int hash = StableHash.Of(group.Key);
            var state = new ValueState<long>();
            state.Bind(table);
            state.Slot = table.Slot(group.Key, hash, KeyGroups.Assign(hash, KeyedCountPipeline.Graph.MaxParallelism));
            Assert.Equal(group.Count(), state.Value);
        }
    }
}
