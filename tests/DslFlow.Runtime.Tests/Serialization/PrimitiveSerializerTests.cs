using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class PrimitiveSerializerTests
{
    [Fact]
    public void Integers_round_trip_at_their_extremes_in_fixed_little_endian_sizes()
    {
        foreach (bool v in new[] { false, true }) RoundTrip.AssertEqual(BooleanSerializer.Instance, v);
        foreach (byte v in new byte[] { 0, 1, 127, 128, 255 }) RoundTrip.AssertEqual(ByteSerializer.Instance, v);
        foreach (sbyte v in new sbyte[] { sbyte.MinValue, -1, 0, sbyte.MaxValue }) RoundTrip.AssertEqual(SByteSerializer.Instance, v);
        foreach (short v in new short[] { short.MinValue, -1, 0, short.MaxValue }) RoundTrip.AssertEqual(Int16Serializer.Instance, v);
        foreach (ushort v in new ushort[] { 0, 1, ushort.MaxValue }) RoundTrip.AssertEqual(UInt16Serializer.Instance, v);
        foreach (int v in new[] { int.MinValue, -1, 0, 1, int.MaxValue }) RoundTrip.AssertEqual(Int32Serializer.Instance, v);
        foreach (uint v in new[] { 0u, 1u, uint.MaxValue }) RoundTrip.AssertEqual(UInt32Serializer.Instance, v);
        foreach (long v in new[] { long.MinValue, -1L, 0L, long.MaxValue }) RoundTrip.AssertEqual(Int64Serializer.Instance, v);
        foreach (ulong v in new[] { 0UL, 1UL, ulong.MaxValue }) RoundTrip.AssertEqual(UInt64Serializer.Instance, v);

        Assert.Equal([0x78, 0x56, 0x34, 0x12], Int32Serializer.Instance.ToBytes(0x12345678));
        Assert.Equal(8, Int64Serializer.Instance.ToBytes(1L).Length);
        Assert.Equal(2, UInt16Serializer.Instance.ToBytes((ushort)1).Length);
    }

    [Fact]
    public void Floats_keep_their_exact_bits_including_negative_zero_infinities_and_nan_payloads()
    {
        foreach (double v in new[] { double.MinValue, double.MaxValue, double.Epsilon, -double.Epsilon,
                     double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, Math.PI })
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(v),
                BitConverter.DoubleToInt64Bits(RoundTrip.Of(DoubleSerializer.Instance, v)));
        }
        double nan = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234);
        Assert.Equal(0x7FF8_0000_0000_1234, BitConverter.DoubleToInt64Bits(RoundTrip.Of(DoubleSerializer.Instance, nan)));

        foreach (float v in new[] { float.MinValue, float.MaxValue, float.Epsilon, float.NaN, -0.0f,
                     float.PositiveInfinity, float.NegativeInfinity })
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(v),
                BitConverter.SingleToInt32Bits(RoundTrip.Of(SingleSerializer.Instance, v)));
        }
    }

    [Fact]
    public void Decimals_keep_value_sign_and_scale()
    {
        foreach (decimal v in new[] { decimal.MinValue, decimal.MaxValue, 0m, -0m, 1.10m, 0.0000000000000000000000000001m,
                     -79228162514264337593543950.335m })
        {
            Assert.Equal(decimal.GetBits(v), decimal.GetBits(RoundTrip.Of(DecimalSerializer.Instance, v)));
        }
    }

    [Fact]
    public void A_decimal_with_an_invalid_scale_is_a_format_error()
    {
        byte[] bytes = DecimalSerializer.Instance.ToBytes(1m);
        bytes[14] = 29; // scale byte of the flags word
        var e = Assert.Throws<StateFormatException>(() => DecimalSerializer.Instance.FromBytes(bytes));
        Assert.Contains("decimal", e.Message);
    }

    [Fact]
    public void Chars_round_trip_every_code_unit_including_lone_surrogates()
    {
        foreach (char c in new[] { '\0', 'a', 'é', '\uD83D', '\uDE00', '\uFFFF' })
        {
            RoundTrip.AssertEqual(CharSerializer.Instance, c);
        }
    }

    [Fact]
    public void Guids_dates_and_time_spans_round_trip()
    {
        foreach (Guid v in new[] { Guid.Empty, Guid.Parse("01234567-89ab-cdef-0123-456789abcdef"), Guid.AllBitsSet })
        {
            RoundTrip.AssertEqual(GuidSerializer.Instance, v);
        }
        foreach (DateTime v in new[] { DateTime.MinValue, DateTime.MaxValue, new DateTime(2024, 2, 29, 12, 0, 0, DateTimeKind.Utc),
                     new DateTime(2024, 2, 29, 12, 0, 0, DateTimeKind.Unspecified), new DateTime(638_000_000_000_000_001, DateTimeKind.Local) })
        {
            DateTime read = RoundTrip.Of(DateTimeSerializer.Instance, v);
            Assert.Equal(v, read);
            Assert.Equal(v.Kind, read.Kind);
        }
        foreach (DateTimeOffset v in new[] { DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
                     new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(14)),
                     new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.FromHours(-14)),
                     new DateTimeOffset(2024, 1, 1, 0, 0, 0, new TimeSpan(5, 45, 0)) })
        {
            DateTimeOffset read = RoundTrip.Of(DateTimeOffsetSerializer.Instance, v);
            Assert.Equal(v, read);
            Assert.Equal(v.Offset, read.Offset);
        }
        foreach (TimeSpan v in new[] { TimeSpan.MinValue, TimeSpan.Zero, TimeSpan.FromTicks(1), TimeSpan.MaxValue })
        {
            RoundTrip.AssertEqual(TimeSpanSerializer.Instance, v);
        }
    }

    [Fact]
    public void A_boolean_byte_other_than_0_or_1_is_a_format_error()
    {
        var e = Assert.Throws<StateFormatException>(() => BooleanSerializer.Instance.FromBytes([2]));
        Assert.Equal(0, e.Offset);
        Assert.Contains("boolean", e.Message);
    }

    [Fact]
    public void Byte_arrays_distinguish_null_from_empty()
    {
        Assert.Null(RoundTrip.Of(ByteArraySerializer.Instance, null));
        Assert.Equal([], RoundTrip.Of(ByteArraySerializer.Instance, [])!);
        byte[] data = [.. Enumerable.Range(0, 300).Select(i => (byte)i)];
        Assert.Equal(data, RoundTrip.Of(ByteArraySerializer.Instance, data)!);
        Assert.Equal([0], ByteArraySerializer.Instance.ToBytes(null));
        Assert.Equal([1], ByteArraySerializer.Instance.ToBytes([]));
    }
}
