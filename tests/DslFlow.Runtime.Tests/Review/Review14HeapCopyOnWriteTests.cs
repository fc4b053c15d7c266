using DslFlow.Runtime.Tests.State.Backends;
using DslFlow.Checkpointing;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.Review;

/// <summary>Review 14: heap copy-on-write with growth between overlapping barriers and walks already running.</summary>
public class Review14HeapCopyOnWriteTests
{
    private static void AssertSame(SortedDictionary<string, string> expected, SortedDictionary<string, string> actual, string what)
    {
        List<string> missing = [.. expected.Where(e => !actual.TryGetValue(e.Key, out var v) || v != e.Value).Select(e => e.Key).Take(5)];
        List<string> extra = [.. actual.Keys.Where(k => !expected.ContainsKey(k)).Take(5)];
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"{what}: {expected.Count} expected, {actual.Count} actual; differing {string.Join(",", missing)}; extra {string.Join(",", extra)}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(77)]
    [InlineData(2026)]
    public async Task Three_overlapping_snapshots_with_growth_between_them_and_walks_racing(int seed)
    {
        using var workload = new CopyOnWriteWorkload(seed, 16_000);
        var at1 = workload.Model();
        var first = workload.Backend.Snapshot(1);
        Task<TaskStateSnapshot> one = Task.Run(() => Complete(first, workload.Backend.KeyGroups, 1));
        workload.WriteRandom(3_000, newKeys: 0.9); // grows mid-walk of the first
        var at2 = workload.Model();
        var second = workload.Backend.Snapshot(2);
        Task<TaskStateSnapshot> two = Task.Run(() => Complete(second, workload.Backend.KeyGroups, 1));
        workload.WriteRandom(500, newKeys: 0.05);
        var at3 = workload.Model();
        var third = workload.Backend.Snapshot(3); // completes the second's capture while its walk may run
        Task<TaskStateSnapshot> three = Task.Run(() => Complete(third, workload.Backend.KeyGroups, 1));
        workload.WriteRandom(40_000, newKeys: 0.6); // grows again
        string context = $"seed {seed}";
        AssertSame(at1, CopyOnWriteWorkload.Restored(await one), $"the first snapshot ({context})");
        AssertSame(at2, CopyOnWriteWorkload.Restored(await two), $"the second snapshot ({context})");
        AssertSame(at3, CopyOnWriteWorkload.Restored(await three), $"the third snapshot ({context})");
        AssertSame(workload.Model(), workload.Live(), $"the live state ({context})");
        foreach (var s in first.Concat(second).Concat(third))
        {
            s.Dispose();
        }
    }
}
