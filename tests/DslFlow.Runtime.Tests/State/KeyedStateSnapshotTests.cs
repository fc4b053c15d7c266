using DslFlow.Serialization;
using DslFlow.State;

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
        var snapshots = new List<byte[]>();
        for (int s = 0; s < oldParallelism; s++)
        {
            var table = new KeyedValueTable<string, long>("count", KeyGroups.RangeOf(s, oldParallelism, MaxParallelism));
            for (int k = 0; k < 1_000; k++)
            {
                string key = $"key-{k}";
                int hash = StableHash.Of(key);
                int group = KeyGroups.Assign(hash, MaxParallelism);
                if (table.Range.Contains(group))
                {
                    int slot = table.Slot(key, hash, group);
                    var state = new ValueState<long>();
                    state.Bind(table);
                    state.Slot = slot;
                    state.Value = k * 10L;
                    expected[key] = k * 10L;
                }
            }
            using var buffer = new StateBuffer();
            table.WriteSnapshot(buffer, Serializers.For<string>(), Int64Serializer.Instance);
            snapshots.Add(buffer.ToArray());
        }

        var restored = new Dictionary<string, long>();
        for (int s = 0; s < newParallelism; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, newParallelism, MaxParallelism);
            var table = new KeyedValueTable<string, long>("count", range);
            foreach (byte[] snapshot in snapshots)
            {
                table.RestoreSnapshot(snapshot, Serializers.For<string>(), Int64Serializer.Instance);
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
    public void A_truncated_snapshot_is_reported_as_malformed()
    {
        var table = new KeyedValueTable<int, int>("v", new KeyGroupRange(0, 127));
        int slot = table.Slot(1, StableHash.Of(1), KeyGroups.Assign(StableHash.Of(1), MaxParallelism));
        var state = new ValueState<int>();
        state.Bind(table);
        state.Slot = slot;
        state.Value = 5;
        using var buffer = new StateBuffer();
        table.WriteSnapshot(buffer, Int32Serializer.Instance, Int32Serializer.Instance);
        byte[] bytes = buffer.ToArray();
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var target = new KeyedValueTable<int, int>("v", new KeyGroupRange(0, 127));
            Assert.Throws<StateFormatException>(() => target.RestoreSnapshot(bytes.AsSpan(0, cut), Int32Serializer.Instance, Int32Serializer.Instance));
        }
    }
}

public class ListAndMapStateSnapshotTests
{
    [Fact]
    public void List_and_map_cells_round_trip_and_are_split_by_key_group_on_rescale()
    {
        var lists = new KeyedStateTable<int, ListCell<string>>("l", new KeyGroupRange(0, 127));
        var maps = new KeyedStateTable<int, MapCell<string, long>>("m", new KeyGroupRange(0, 127));
        for (int k = 0; k < 200; k++)
        {
            int group = KeyGroups.Assign(StableHash.Of(k), 128);
            lists.Get(k, group).Items.AddRange([$"a{k}", $"b{k}"]);
            maps.Get(k, group).Entries[$"x{k}"] = k;
        }
        using var listBuffer = new StateBuffer();
        using var mapBuffer = new StateBuffer();
        var listCells = new ListCellSerializer<string>(Serializers.For<string>());
        var mapCells = new MapCellSerializer<string, long>(Serializers.For<string>(), Int64Serializer.Instance);
        lists.WriteSnapshot(listBuffer, Int32Serializer.Instance, listCells);
        maps.WriteSnapshot(mapBuffer, Int32Serializer.Instance, mapCells);

        int total = 0;
        for (int s = 0; s < 2; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, 2, 128);
            var restoredLists = new KeyedStateTable<int, ListCell<string>>("l", range);
            var restoredMaps = new KeyedStateTable<int, MapCell<string, long>>("m", range);
            total += restoredLists.RestoreSnapshot(listBuffer.WrittenSpan, Int32Serializer.Instance, listCells);
            restoredMaps.RestoreSnapshot(mapBuffer.WrittenSpan, Int32Serializer.Instance, mapCells);
            foreach (int group in Enumerable.Range(range.Start, range.Count))
            {
                foreach ((int key, ListCell<string> cell) in restoredLists.EntriesOf(group))
                {
                    Assert.Equal([$"a{key}", $"b{key}"], cell.Items);
                    Assert.Equal(key, restoredMaps.Get(key, group).Entries[$"x{key}"]);
                }
            }
        }
        Assert.Equal(200, total);
    }
}
