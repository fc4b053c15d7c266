using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class StateReaderTests
{
    [Theory]
    [InlineData(0u, 1)]
    [InlineData(127u, 1)]
    [InlineData(128u, 2)]
    [InlineData(16_383u, 2)]
    [InlineData(16_384u, 3)]
    [InlineData(uint.MaxValue, 5)]
    public void Varuint32_uses_leb128(uint value, int size)
    {
        byte[] bytes = Write((ref StateWriter w) => w.WriteVarUInt32(value));
        Assert.Equal(size, bytes.Length);
        var reader = new StateReader(bytes);
        Assert.Equal(value, reader.ReadVarUInt32());
        Assert.True(reader.End);
    }

    [Fact]
    public void Varints_round_trip_at_the_extremes()
    {
        ulong[] unsigned = [0, 1, 127, 128, ulong.MaxValue >> 1, ulong.MaxValue];
        long[] signed = [0, -1, 1, -64, 64, long.MinValue, long.MaxValue];
        int[] signed32 = [0, -1, 1, int.MinValue, int.MaxValue];
        byte[] bytes = Write((ref StateWriter w) =>
        {
            foreach (ulong v in unsigned) w.WriteVarUInt64(v);
            foreach (long v in signed) w.WriteVarInt64(v);
            foreach (int v in signed32) w.WriteVarInt32(v);
        });
        var reader = new StateReader(bytes);
        foreach (ulong v in unsigned) Assert.Equal(v, reader.ReadVarUInt64());
        foreach (long v in signed) Assert.Equal(v, reader.ReadVarInt64());
        foreach (int v in signed32) Assert.Equal(v, reader.ReadVarInt32());
        Assert.True(reader.End);
        Assert.Single(Write((ref StateWriter w) => w.WriteVarInt64(-1)));
        Assert.Equal(10, Write((ref StateWriter w) => w.WriteVarUInt64(ulong.MaxValue)).Length);
    }

    [Fact]
    public void Overlong_varints_are_format_errors()
    {
        Assert.Contains("does not fit in 32 bits",
            Assert.Throws<StateFormatException>(() => new StateReader([0xFF, 0xFF, 0xFF, 0xFF, 0x10]).ReadVarUInt32()).Message);
        Assert.Contains("does not fit in 32 bits",
            Assert.Throws<StateFormatException>(() => new StateReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).ReadVarUInt32()).Message);
        Assert.Contains("does not fit in 64 bits", Assert.Throws<StateFormatException>(
            () => new StateReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]).ReadVarUInt64()).Message);
        Assert.Contains("exceeds", Assert.Throws<StateFormatException>(
            () => new StateReader([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]).ReadLength()).Message);
    }

    [Fact]
    public void Truncation_names_what_was_read_where_and_how_many_bytes_were_missing()
    {
        var e = Assert.Throws<StateFormatException>(() =>
        {
            var reader = new StateReader([1, 2, 3, 4, 5, 6]);
            reader.ReadInt16();
            reader.ReadInt64();
        });
        Assert.Equal(2, e.Offset);
        Assert.Contains("an Int64: 8 bytes needed, 4 left", e.Message);
        Assert.Contains("byte offset 2", e.Message);
    }

    [Fact]
    public void A_length_larger_than_the_input_fails_before_allocating()
    {
        // Claims a 2 GB byte array in five bytes.
        var e = Assert.Throws<StateFormatException>(() => ByteArraySerializer.Instance.FromBytes([0xFF, 0xFF, 0xFF, 0xFF, 0x07]));
        Assert.Contains("bytes needed", e.Message);
    }

    [Fact]
    public void Trailing_bytes_after_a_value_are_reported()
    {
        var e = Assert.Throws<StateFormatException>(() => Int16Serializer.Instance.FromBytes([1, 2, 3]));
        Assert.Contains("1 unread bytes", e.Message);
        Assert.Equal(2, e.Offset);
    }

    private static byte[] Write(WriteAction action)
    {
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        action(ref writer);
        return buffer.ToArray();
    }

    private delegate void WriteAction(ref StateWriter writer);
}
