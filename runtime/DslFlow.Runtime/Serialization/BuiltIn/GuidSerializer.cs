namespace DslFlow.Serialization;

/// <summary>Serializes <see cref="Guid"/> values as the 16 bytes of <see cref="Guid.TryWriteBytes(Span{byte})"/>.</summary>
public sealed class GuidSerializer : ISerializer<Guid>
{
    private GuidSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static GuidSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, Guid value) => value.TryWriteBytes(writer.Reserve(16));

    /// <inheritdoc/>
    public Guid Read(ref StateReader reader) => new(reader.ReadBytes(16));
}
