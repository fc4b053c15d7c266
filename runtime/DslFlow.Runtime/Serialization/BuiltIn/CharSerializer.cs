namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="char"/> values: the UTF-16 code unit, 2 bytes, little endian (lone surrogates included).</summary>
public sealed class CharSerializer : ISerializer<char>
{
    private CharSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static CharSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, char value) => writer.WriteUInt16(value);

    /// <inheritdoc/>
    public char Read(ref StateReader reader) => (char)reader.ReadUInt16();
}
