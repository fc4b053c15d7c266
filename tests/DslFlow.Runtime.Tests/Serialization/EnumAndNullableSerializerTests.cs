using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class EnumAndNullableSerializerTests
{
    public enum ByteEnum : byte { A = 1, Max = byte.MaxValue }
    public enum SByteEnum : sbyte { Min = sbyte.MinValue, A = 1 }
    public enum ShortEnum : short { Min = short.MinValue, Max = short.MaxValue }
    public enum IntEnum { A, B, C }
    [Flags] public enum UIntFlags : uint { X = 1, Y = 2, Top = 0x8000_0000 }
    public enum LongEnum : long { Min = long.MinValue, Max = long.MaxValue }
    public enum ULongEnum : ulong { Max = ulong.MaxValue }

    [Fact]
    public void Enums_are_written_in_their_underlying_size_and_keep_undefined_values()
    {
        Check(ByteEnum.Max, 1);
        Check(SByteEnum.Min, 1);
        Check(ShortEnum.Min, 2);
        Check(ShortEnum.Max, 2);
        Check(IntEnum.C, 4);
        Check((IntEnum)(-42), 4);
        Check(UIntFlags.X | UIntFlags.Top, 4);
        Check(LongEnum.Min, 8);
        Check(ULongEnum.Max, 8);
        Assert.Equal([2, 0, 0, 0], EnumSerializer<IntEnum>.Instance.ToBytes(IntEnum.C));
    }

    [Fact]
    public void Nullable_value_types_write_a_presence_byte()
    {
        var serializer = new NullableSerializer<int>(Int32Serializer.Instance);
        Assert.Null(RoundTrip.Of(serializer, null));
        Assert.Equal(int.MinValue, RoundTrip.Of(serializer, int.MinValue));
        Assert.Equal([0], serializer.ToBytes(null));
        Assert.Equal(5, serializer.ToBytes(1).Length);
        var enums = new NullableSerializer<LongEnum>(EnumSerializer<LongEnum>.Instance);
        Assert.Equal(LongEnum.Max, RoundTrip.Of(enums, LongEnum.Max));
    }

    [Fact]
    public void Nullable_references_write_a_presence_byte()
    {
        var serializer = new NullableReferenceSerializer<List<int>>(new ListSerializer<int>(Int32Serializer.Instance)!);
        Assert.Null(RoundTrip.Of(serializer, null));
        Assert.Equal([1, 2, 3], RoundTrip.Of(serializer, [1, 2, 3]));
    }

    private static void Check<TEnum>(TEnum value, int size)
        where TEnum : struct, Enum
    {
        RoundTrip.AssertEqual(EnumSerializer<TEnum>.Instance, value);
        Assert.Equal(size, EnumSerializer<TEnum>.Instance.ToBytes(value).Length);
    }
}
