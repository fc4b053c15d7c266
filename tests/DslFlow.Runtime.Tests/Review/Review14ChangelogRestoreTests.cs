using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.State.Changelog;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.State.Heap;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Review;

/// <summary>Review 14: a changelog restore whose materialization holds a state of another type than the job declares.</summary>
public class Review14ChangelogRestoreTests : ChangelogTestKit
{
    private const int MaxParallelism = 128;
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);

    private ChangelogKeyedStateBackend NewBackend(string owner) =>
        new(new HeapKeyedStateBackend(All, MaxParallelism), NewWriter(NewUploader(), owner: owner), Storage, owner, 0, 1,
            MaxParallelism, 3, NullLogger.Instance);

    /// <summary>
    /// The job changed Count.total from long to double. With no write since the materialization, the log has no metadata
    /// record to compare, and MaterializedStateSource never compares the section's descriptor with the job's (the full
    /// restore path does, via RestoredCheckpoint.CheckDescriptor): the long bits are read as doubles without an error.
    /// </summary>
    [Fact]
    public async Task Restoring_a_materialization_into_a_state_of_another_type_is_refused()
    {
        ChangelogKeyedStateBackend backend = NewBackend("Count-0");
        KeyedState<string, long> state = backend.GetOrCreateState(new KeyedStateDescriptor<string, long>("Count.total", KeyedStateKind.Value, null, null));
        var facade = new ValueState<long>();
        facade.Bind(state);
        foreach (string key in new[] { "u1", "u2", "u3" })
        {
            int hash = StableHash.Of(key);
            facade.Slot = state.Slot(key, hash, KeyGroups.Assign(hash, MaxParallelism));
            facade.Value = 42;
        }
        Assert.Equal(MaterializationStart.Started, backend.TryMaterialize());
        await backend.WaitForMaterializationAsync();
        ChangelogCheckpoint checkpoint = backend.SnapshotChangelog(1);
        IReadOnlyList<ChangelogSegment> log = await checkpoint.Log;
        Assert.Empty(log);

        ChangelogKeyedStateBackend restored = NewBackend("Count-0-restored");
        KeyedState<string, double> changed = restored.GetOrCreateState(new KeyedStateDescriptor<string, double>("Count.total", KeyedStateKind.Value, null, null));
        Exception? failure = Record.Exception(() => restored.RestoreChangelog(1,
            [new ChangelogRestorePart(checkpoint.Base.Files, checkpoint.Base.MaterializationId, [log])], new ChangelogLogReader(Storage)));

        var values = Enumerable.Range(0, MaxParallelism).SelectMany(changed.EntriesOf).Select(e => $"{e.Key}={e.Value}");
        Assert.True(failure is JobConfigurationException or InvalidOperationException or TaskStateException,
            $"restored without an error naming the type change: {failure?.GetType().Name} {failure?.Message}; values {string.Join(", ", values)}");
    }
}
