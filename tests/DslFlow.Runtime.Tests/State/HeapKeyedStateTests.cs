using DslFlow.State;

namespace DslFlow.Runtime.Tests.State;

public class HeapKeyedStateTests
{
    [Fact]
    public void Keys_keep_their_values_across_growth_and_are_listed_by_key_group()
    {
        const int maxParallelism = 128;
        KeyGroupRange range = KeyGroups.RangeOf(1, 2, maxParallelism);
        var table = HeapStates.Value<string, long>("count", range);
        var state = new ValueState<long>();
        state.Bind(table);
        var expected = new Dictionary<string, long>();
        var random = new Random(7);
        for (int i = 0; i < 50_000; i++)
        {
            string key = $"k{random.Next(3_000)}";
            int hash = StableHash.Of(key);
            int group = KeyGroups.Assign(hash, maxParallelism);
            if (!range.Contains(group))
            {
                continue;
            }
            state.Slot = table.Slot(key, hash, group);
            state.Value += 1;
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }

        Assert.Equal(expected.Count, table.Count);
        var listed = Enumerable.Range(range.Start, range.Count).SelectMany(table.EntriesOf).ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(expected.OrderBy(e => e.Key), listed.OrderBy(e => e.Key));
        Assert.All(listed.Keys, k => Assert.Equal(k, listed.Keys.First(x => x == k)));
        foreach (int g in Enumerable.Range(range.Start, range.Count))
        {
            Assert.All(table.EntriesOf(g), e => Assert.Equal(g, KeyGroups.Assign(StableHash.Of(e.Key), maxParallelism)));
        }
    }

    [Fact]
    public void A_key_read_before_any_write_has_no_value_and_clear_removes_it_from_snapshots()
    {
        var table = HeapStates.Value<int, string>("name", new KeyGroupRange(0, 127));
        var state = new ValueState<string>();
        state.Bind(table);
        int hash = StableHash.Of(5);
        state.Slot = table.Slot(5, hash, KeyGroups.Assign(hash, 128));
        Assert.False(state.HasValue);
        Assert.Null(state.Value);
        Assert.Equal(0, table.Count);
        state.Value = "five";
        Assert.Equal(1, table.Count);
        state.Clear();
        Assert.False(state.HasValue);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void A_key_of_a_foreign_key_group_is_rejected_with_an_explanation()
    {
        var table = HeapStates.Value<int, long>("count", new KeyGroupRange(0, 9));
        var e = Assert.Throws<InvalidOperationException>(() => table.Slot(1, 42, 100));
        Assert.Contains("key '1' is in key group 100, which this subtask does not own (it owns [0..9])", e.Message);
    }
}
