using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.State;

public class KeyedStateSnapshotTests
{
    private const int MaxParallelism = 128;

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(3, 7)]
    [InlineData(7, 3)]
    [InlineData(4, 1)]
    public void A_snapshot_restores_every_value_into_the_subtask_that_owns_its_key_group_at_any_new_parallelism(int oldParallelism, int newParallelism)
    {
        var expected = new Dictionary<string, long>();
        var snapshots = new List<IReadOnlyList<KeyGroupBlock>>();
        for (int s = 0; s < oldParallelism; s++)
        {
            var table = HeapStates.Value<string, long>("count", KeyGroups.RangeOf(s, oldParallelism, MaxParallelism));
            for (int k = 0; k < 1_000; k++)
            {
                string key = $"key-{k}";
                if (table.Range.Contains(KeyGroups.Assign(StableHash.Of(key), MaxParallelism)))
                {
                    table.Set(key, k * 10L);
                    expected[key] = k * 10L;
                }
            }
            snapshots.Add(table.SnapshotBlocks());
        }

        var restored = new Dictionary<string, long>();
        for (int s = 0; s < newParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, newParallelism, MaxParallelism);
            var table = HeapStates.Value<string, long>("count", range);
            foreach (IReadOnlyList<KeyGroupBlock> snapshot in snapshots)
            {
                table.Restore(snapshot);
            }
            foreach (int group in Enumerable.Range(range.Start, range.Count))
            {
                foreach ((string key, long value) in table.EntriesOf(group))
                {
                    Assert.Equal(group, KeyGroups.Assign(StableHash.Of(key), MaxParallelism)); // no key in a wrong group
                    Assert.True(restored.TryAdd(key, value), $"{key} restored twice");
                }
            }
        }
        Assert.Equal(expected.OrderBy(e => e.Key), restored.OrderBy(e => e.Key));
    }

    [Fact]
    public void A_truncated_block_is_reported_as_malformed()
    {
        var table = HeapStates.Value<int, int>("v", new KeyGroupRange(0, 127));
        table.Set(1, 5);
        KeyGroupBlock block = Assert.Single(table.SnapshotBlocks());
        byte[] bytes = block.First.ToArray();
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var target = HeapStates.Value<int, int>("v", new KeyGroupRange(0, 127));
            Assert.Throws<StateFormatException>(() => target.RestoreBlock(block.KeyGroup, 1, bytes.AsSpan(0, cut), MaxParallelism));
        }
    }

    [Fact]
    public void An_entry_whose_hash_belongs_to_another_key_group_is_refused()
    {
        var table = HeapStates.Value<int, int>("v", new KeyGroupRange(0, 127));
        table.Set(1, 5);
        KeyGroupBlock block = Assert.Single(table.SnapshotBlocks());
        var target = HeapStates.Value<int, int>("v", new KeyGroupRange(0, 127));
        int other = (block.KeyGroup + 1) % MaxParallelism;

        var error = Assert.Throws<StateFormatException>(() => target.RestoreBlock(other, 1, block.First.Span, MaxParallelism));
        Assert.Contains($"not to the block's key group {other}", error.Message);
    }
}

public class ListAndMapStateSnapshotTests
{
    [Fact]
    public void List_and_map_cells_round_trip_and_are_split_by_key_group_on_rescale()
    {
        var lists = HeapStates.List<int, string>("l", new KeyGroupRange(0, 127));
        var maps = HeapStates.Map<int, string, long>("m", new KeyGroupRange(0, 127));
        for (int k = 0; k < 200; k++)
        {
            lists.CellOf(k).Items.AddRange([$"a{k}", $"b{k}"]);
            maps.CellOf(k).Entries[$"x{k}"] = k;
        }
        IReadOnlyList<KeyGroupBlock> listBlocks = lists.SnapshotBlocks(), mapBlocks = maps.SnapshotBlocks();

        int total = 0;
        for (int s = 0; s < 2; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 2, 128);
            var restoredLists = HeapStates.List<int, string>("l", range);
            var restoredMaps = HeapStates.Map<int, string, long>("m", range);
            total += restoredLists.Restore(listBlocks);
            restoredMaps.Restore(mapBlocks);
            foreach (int group in Enumerable.Range(range.Start, range.Count))
            {
                foreach ((int key, ListCell<string> cell) in restoredLists.EntriesOf(group))
                {
                    Assert.Equal([$"a{key}", $"b{key}"], cell.Items);
                    Assert.Equal(key, restoredMaps.CellOf(key).Entries[$"x{key}"]);
                }
            }
        }
        Assert.Equal(200, total);
    }

    [Fact]
    public void Empty_cells_are_left_out_of_snapshots()
    {
        var lists = HeapStates.List<int, string>("l", new KeyGroupRange(0, 127));
        lists.CellOf(1).Items.Add("kept");
        _ = lists.CellOf(2); // read, never written
        lists.CellOf(3).Items.Add("cleared");
        lists.CellOf(3).Items.Clear();

        Assert.Equal(1, lists.SnapshotBlocks().Sum(b => b.Count));
        Assert.Equal(1, lists.Count);
    }
}
