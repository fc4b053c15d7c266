using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>Which recorded in-flight buffers a restoring subtask replays, and where.</summary>
public class ChannelStateRedistributionTests
{
    private static readonly ISerializer<long> Longs = Serializers.For<long>();

    [Fact]
    public void With_the_parallelism_unchanged_each_subtask_replays_exactly_its_own_channels_in_order()
    {
        InputChannelInfo[] layout = Layout(("A", EdgePartitioning.Hash, 2));
        var parts = new[]
        {
            Part(0, 2, layout, [[1, 2], [3]], [[4]]),
            Part(1, 2, layout, [[100]], []),
        };

        List<long[]>[] replay = Assign(parts, subtask: 0, parallelism: 2, layout, keyGroupOf: _ => 999); // no key filtering needed

        Assert.Equal([[1, 2], [3]], replay[0]);
        Assert.Equal([[4]], replay[1]);
    }

    [Fact]
    public void When_only_the_upstream_rescaled_an_old_upstream_subtask_maps_to_channel_u_mod_n()
    {
        InputChannelInfo[] old = Layout(("A", EdgePartitioning.Rebalance, 3));
        InputChannelInfo[] now = Layout(("A", EdgePartitioning.Rebalance, 2));
        var parts = new[] { Part(0, 1, old, [[0]], [[1]], [[2]]) };

        List<long[]>[] replay = Assign(parts, 0, 1, now, _ => -1);

        Assert.Equal([[0], [2]], replay[0]); // old upstream 0 and 2 → channel 0, in old channel order
        Assert.Equal([[1]], replay[1]);
    }

    [Fact]
    public void After_rescaling_keyed_records_go_to_the_owner_of_their_key_group_and_others_by_old_index_mod_p()
    {
        InputChannelInfo[] old = Layout(("K", EdgePartitioning.Hash, 1), ("R", EdgePartitioning.Rebalance, 1));
        InputChannelInfo[] now = Layout(("K", EdgePartitioning.Hash, 1), ("R", EdgePartitioning.Rebalance, 1));
        var parts = new[]
        {
            Part(0, 2, old, [[0, 70, 5]], [[1000]]),
            Part(1, 2, old, [[127, 64]], [[2000]]),
        };
        // 128 key groups over 3 subtasks: [0..42], [43..85], [86..127]; the record's value is its key group.
        List<long[]>[] first = Assign(parts, 0, 3, now, v => (int)v, KeyGroups.RangeOf(0, 3, 128));
        List<long[]>[] second = Assign(parts, 1, 3, now, v => (int)v, KeyGroups.RangeOf(1, 3, 128));
        List<long[]>[] third = Assign(parts, 2, 3, now, v => (int)v, KeyGroups.RangeOf(2, 3, 128));

        Assert.Equal([[0, 5]], first[0]);
        Assert.Equal([[70], [64]], second[0]);
        Assert.Equal([[127]], third[0]);
        Assert.Equal([[1000]], first[1]); // old subtask 0 → 0 mod 3
        Assert.Equal([[2000]], second[1]); // old subtask 1 → 1 mod 3
        Assert.Empty(third[1]);
    }

    [Fact]
    public void State_of_an_edge_the_task_no_longer_reads_is_refused_with_what_to_do()
    {
        InputChannelInfo[] old = Layout(("Gone", EdgePartitioning.Rebalance, 1));
        var parts = new[] { Part(0, 1, old, [[1]]) };

        var error = Assert.Throws<JobConfigurationException>(() => Assign(parts, 0, 1, Layout(("A", EdgePartitioning.Rebalance, 1)), _ => -1));
        Assert.Contains("node 'Gone'", error.Message);
        Assert.Contains("StartFresh", error.Message);
    }

    [Fact]
    public void Damaged_channel_state_raises_a_state_format_error()
    {
        byte[] bytes = Part(0, 1, Layout(("A", EdgePartitioning.Rebalance, 1)), [[1, 2, 3]]).Bytes;
        Assert.Throws<StateFormatException>(() => ChannelStateRecorder<long>.Decode(bytes.AsSpan(0, bytes.Length - 1), Longs));
        int partitioning = 1 + 1 + 1 + 1; // varint channels, string "A" (length + byte), varint upstream
        Assert.Equal((byte)EdgePartitioning.Rebalance, bytes[partitioning]);
        bytes[partitioning] = 99;
        var error = Assert.Throws<StateFormatException>(() => ChannelStateRecorder<long>.Decode(bytes, Longs));
        Assert.Contains("unknown partitioning", error.Message);
    }

    private static List<long[]>[] Assign(ChannelStatePart[] parts, int subtask, int parallelism, InputChannelInfo[] layout,
        Func<long, int> keyGroupOf, KeyGroupRange? owned = null) =>
        ChannelStateRedistribution.Assign(parts, subtask, parallelism, layout, bytes => ChannelStateRecorder<long>.Decode(bytes, Longs),
            keyGroupOf, owned ?? KeyGroups.RangeOf(subtask, parallelism, 128), "Task");

    private static InputChannelInfo[] Layout(params (string From, EdgePartitioning Partitioning, int Upstreams)[] edges) =>
        edges.SelectMany(e => Enumerable.Range(0, e.Upstreams).Select(u => new InputChannelInfo(e.From, u, e.Partitioning))).ToArray();

    /// <summary>Channel state as a recorder writes it: per channel of <paramref name="layout"/>, its buffers.</summary>
    private static ChannelStatePart Part(int subtask, int parallelism, InputChannelInfo[] layout, params long[][][] channels)
    {
        var gate = new InputGate<long>(layout.Length, 2, 8, 16);
        var recorder = new ChannelStateRecorder<long>(gate);
        recorder.Start(null);
        for (int c = 0; c < layout.Length; c++)
        {
            long sequence = 0;
            foreach (long[] buffer in c < channels.Length ? channels[c] : [])
            {
                recorder.OnBufferTaken(c, sequence++, buffer, buffer.Length);
            }
            recorder.MarkDelivered(c); // the channel ended
        }
        return new ChannelStatePart(subtask, parallelism, recorder.Encode(Longs, layout));
    }
}
