namespace DslFlow.Serialization;

/// <summary>
/// Serializes <see cref="decimal"/> values as the four 32-bit words of <see cref="decimal.GetBits(decimal)"/>, little
/// endian (16 bytes), so the scale is kept: <c>1.10m</c> reads back as <c>1.10m</c>, not <c>1.1m</c>.
/// </summary>
public sealed class DecimalSerializer : ISerializer<decimal>
{
    private DecimalSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static DecimalSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        for (int i = 0; i < 4; i++)
        {
            writer.WriteInt32(bits[i]);
        }
    }

    /// <inheritdoc/>
    public decimal Read(ref StateReader reader)
    {
        Span<int> bits = stackalloc int[4];
        for (int i = 0; i < 4; i++)
        {
            bits[i] = reader.ReadInt32();
        }
        // The flags word must hold only a sign and a scale of 0..28; anything else is not a decimal.
        int flags = bits[3];
        if ((flags & 0x7F00FFFF) != 0 || ((flags >> 16) & 0xFF) > 28)
        {
            throw reader.Malformed($"0x{flags:x8} is not a valid decimal sign-and-scale word");
        }
        return new decimal(bits);
    }
}
