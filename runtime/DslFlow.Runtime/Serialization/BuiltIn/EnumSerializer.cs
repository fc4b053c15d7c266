using System.Runtime.CompilerServices;

namespace DslFlow.Serialization;

/// <summary>
/// Serializes an enum as its underlying integer, little endian, in the underlying type's size (1, 2, 4 or 8 bytes),
/// without boxing. Values that are not named members (flags combinations) round-trip unchanged.
/// </summary>
/// <typeparam name="TEnum">The enum type.</typeparam>
public sealed class EnumSerializer<TEnum> : ISerializer<TEnum>
    where TEnum : struct, Enum
{
    private EnumSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static EnumSerializer<TEnum> Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, TEnum value)
    {
        // Unsafe.SizeOf is a JIT-time constant, so each instantiation keeps one branch.
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1: writer.WriteByte(Unsafe.As<TEnum, byte>(ref value)); break;
            case 2: writer.WriteUInt16(Unsafe.As<TEnum, ushort>(ref value)); break;
            case 4: writer.WriteUInt32(Unsafe.As<TEnum, uint>(ref value)); break;
            default: writer.WriteUInt64(Unsafe.As<TEnum, ulong>(ref value)); break;
        }
    }

    /// <inheritdoc/>
    public TEnum Read(ref StateReader reader)
    {
        switch (Unsafe.SizeOf<TEnum>())
        {
            case 1: { byte raw = reader.ReadByte(); return Unsafe.As<byte, TEnum>(ref raw); }
            case 2: { ushort raw = reader.ReadUInt16(); return Unsafe.As<ushort, TEnum>(ref raw); }
            case 4: { uint raw = reader.ReadUInt32(); return Unsafe.As<uint, TEnum>(ref raw); }
            default: { ulong raw = reader.ReadUInt64(); return Unsafe.As<ulong, TEnum>(ref raw); }
        }
    }
}
