using DslFlow.Hashing;
using System.Text;
using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

public class CheckpointFormatTests
{
    [Fact]
    public void Crc32C_matches_the_standard_check_value_on_both_paths()
    {
        byte[] check = Encoding.ASCII.GetBytes("123456789");
        Assert.Equal(0xE3069283u, Crc32C.Compute(check));
        Assert.Equal(0xE3069283u, Crc32C.Finish(Crc32C.AppendSoftware(Crc32C.Start, check)));
        Assert.Equal(0u, Crc32C.Compute([]));
    }

    [Fact]
    public void Hardware_and_table_paths_agree_on_every_length_and_split()
    {
        var random = new Random(20250101);
        byte[] data = new byte[4099];
        random.NextBytes(data);
        for (int length = 0; length < 80; length++)
        {
            Assert.Equal(Crc32C.AppendSoftware(Crc32C.Start, data.AsSpan(0, length)), Crc32C.Append(Crc32C.Start, data.AsSpan(0, length)));
        }
        uint whole = Crc32C.Compute(data);
        for (int split = 0; split < data.Length; split += 333)
        {
            Assert.Equal(whole, Crc32C.Finish(Crc32C.Append(Crc32C.Append(Crc32C.Start, data.AsSpan(0, split)), data.AsSpan(split))));
        }
    }

    [Fact]
    public void Metadata_encoding_is_deterministic_and_round_trips_with_value_equality()
    {
        var handles = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>
        {
            [new("sink", 1)] = [new StateHandle(9, "chk-9/sink-1.state", 12, 0xdeadbeef)],
            [new("map", 0)] = [new StateHandle(9, "chk-9/map-0.a", 0, 0), new StateHandle(9, "chk-9/map-0.b", 5, 7)],
            [new("ünïcode", 0)] = [],
        };
        var offset = new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));
        var metadata = new CheckpointMetadata(9, offset, offset.AddSeconds(3), handles);
        var reversed = new CheckpointMetadata(9, offset, offset.AddSeconds(3), handles.Reverse().ToDictionary());

        byte[] encoded = CheckpointMetadataCodec.Encode(metadata);
        CheckpointMetadata decoded = CheckpointMetadataCodec.Decode(encoded, 9, "chk-9/_metadata");

        Assert.Equal(encoded, CheckpointMetadataCodec.Encode(reversed));
        Assert.Equal(metadata, decoded);
        Assert.Equal(metadata.GetHashCode(), decoded.GetHashCode());
        Assert.Equal(["map[0]", "sink[1]", "ünïcode[0]"], decoded.SubtaskStates.Keys.Select(k => k.ToString()));
        Assert.Equal(3, decoded.AllHandles.Count());
        Assert.NotEqual(metadata, metadata with { SubtaskStates = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>() });
        var e = Assert.Throws<CheckpointCorruptedException>(() => CheckpointMetadataCodec.Decode(encoded, 8, "chk-8/_metadata"));
        Assert.Contains("describes a different checkpoint (expected checkpoint id 8, found checkpoint id 9)", e.Message);
    }

    [Fact]
    public void Metadata_copies_its_inputs_so_later_changes_do_not_leak_in()
    {
        var list = new List<StateHandle> { new(1, "chk-1/a.state", 1, 1) };
        var map = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("op", 0)] = list };
        var metadata = new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, map);

        list.Add(new(1, "chk-1/b.state", 1, 1));
        map[new("op", 1)] = [];

        Assert.Single(metadata.SubtaskStates);
        Assert.Single(metadata.SubtaskStates[new("op", 0)]);
    }
}
