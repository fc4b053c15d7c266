using System.Text;
using DslFlow.Hashing;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class StateBlobTests
{
    [Fact]
    public void A_blob_frames_magic_version_length_and_checksum()
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, "123456789"u8);
        Assert.Equal("444653420109000000839206E3313233343536373839", Convert.ToHexString(buffer.WrittenSpan));
        Assert.Equal("123456789"u8.ToArray(), StateBlob.Read(buffer.WrittenSpan).ToArray());
    }

    [Fact]
    public void A_value_written_in_place_reads_back_and_matches_framing_a_finished_payload()
    {
        var serializer = SamplePayload.Nested;
        var value = new Dictionary<string, List<(int, Guid)>> { ["k"] = [(3, Guid.Empty)] };
        using var inPlace = new StateBuffer(1);
        inPlace.GetSpan(1)[0] = 0xAA; // something before the blob
        inPlace.Advance(1);
        StateBlob.Write(inPlace, serializer, value);
        using var framed = new StateBuffer();
        StateBlob.Write(framed, serializer.ToBytes(value));
        Assert.Equal(framed.ToArray(), inPlace.WrittenSpan[1..].ToArray());
        Assert.Equal(value["k"], StateBlob.Read(inPlace.WrittenSpan[1..], serializer)["k"]);
    }

    [Fact]
    public void Concatenated_blobs_read_one_after_another()
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, Int64Serializer.Instance, 1);
        StateBlob.Write(buffer, StringSerializer.Instance, "two");
        ReadOnlySpan<byte> all = buffer.WrittenSpan;
        Assert.Equal(1, Int64Serializer.Instance.FromBytes(StateBlob.Read(all, out int first)));
        Assert.Equal("two", StringSerializer.Instance.FromBytes(StateBlob.Read(all[first..], out int second)));
        Assert.Equal(all.Length, first + second);
        Assert.Contains("bytes follow", Assert.Throws<StateFormatException>(() => StateBlob.Read(buffer.WrittenSpan)).Message);
    }

    [Fact]
    public void A_corrupted_payload_or_checksum_is_detected()
    {
        byte[] blob = Blob();
        for (int i = StateBlob.HeaderLength - 4; i < blob.Length; i++)
        {
            byte[] copy = (byte[])blob.Clone();
            copy[i] ^= 0x01;
            var e = Assert.Throws<StateFormatException>(() => StateBlob.Read(copy));
            Assert.Contains("checksum does not match", e.Message);
        }
    }

    [Fact]
    public void Wrong_magic_version_and_length_are_reported_precisely()
    {
        byte[] magic = Blob();
        magic[0] = (byte)'X';
        Assert.Contains("must start with 'DFSB'", Assert.Throws<StateFormatException>(() => StateBlob.Read(magic)).Message);

        byte[] version = Blob();
        version[4] = 2;
        var e = Assert.Throws<StateFormatException>(() => StateBlob.Read(version));
        Assert.Contains("format version 2", e.Message);
        Assert.Equal(4, e.Offset);

        byte[] length = Blob();
        length[5] += 1;
        Assert.Contains("declares a", Assert.Throws<StateFormatException>(() => StateBlob.Read(length)).Message);

        Assert.Contains("13-byte header", Assert.Throws<StateFormatException>(() => StateBlob.Read(Blob()[..12])).Message);
    }

    [Fact]
    public void A_payload_with_bytes_left_after_the_value_is_rejected()
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, [1, 0, 0, 0, 9]);
        Assert.Contains("1 unread bytes",
            Assert.Throws<StateFormatException>(() => StateBlob.Read(buffer.WrittenSpan, Int32Serializer.Instance)).Message);
    }

    private static byte[] Blob()
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, StringSerializer.Instance, "payload 😀");
        return buffer.ToArray();
    }
}
