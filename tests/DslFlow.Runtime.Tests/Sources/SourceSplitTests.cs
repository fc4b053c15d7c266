using DslFlow.Execution;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Sources;

/// <summary>The checkpointed form of a source subtask's splits.</summary>
public class SourceSplitTests
{
    [Fact]
    public void A_list_of_splits_round_trips()
    {
        SourceSplit[] splits = [new(0, 3, 0, [1, 2, 3]), new(2, 3, 17, []), new(20, 21, long.MaxValue, new byte[300])];

        List<SourceSplit> decoded = SourceSplit.DecodeList(SourceSplit.EncodeList(splits));

        Assert.Equal(splits.Length, decoded.Count);
        for (int i = 0; i < splits.Length; i++)
        {
            Assert.Equal((splits[i].OriginSubtask, splits[i].OriginParallelism, splits[i].Skip), (decoded[i].OriginSubtask, decoded[i].OriginParallelism, decoded[i].Skip));
            Assert.Equal(splits[i].Position, decoded[i].Position);
        }
        Assert.Empty(SourceSplit.DecodeList(SourceSplit.EncodeList([])));
    }

    [Fact]
    public void A_split_outside_its_layout_or_truncated_bytes_are_refused()
    {
        var error = Assert.Throws<StateFormatException>(() => SourceSplit.DecodeList(SourceSplit.EncodeList([new(3, 3, 0, [])])));
        Assert.Contains("subtask 3 of parallelism 3", error.Message);
        byte[] bytes = SourceSplit.EncodeList([new(0, 1, 5, [9, 9])]);
        Assert.Throws<StateFormatException>(() => SourceSplit.DecodeList(bytes[..^1]));
    }
}
