using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.State.Backends;

/// <summary>A <c>long</c> serializer that refuses one value, as a serializer refuses what it cannot save.</summary>
internal sealed class RefusingSerializer : ISerializer<long>
{
    public const long Refused = -666; // no key holds it but the poisoned one

    public void Write(ref StateWriter writer, long value)
    {
        if (value == Refused)
        {
            throw new InvalidOperationException($"{Refused} cannot be saved");
        }
        writer.WriteInt64(value);
    }

    public long Read(ref StateReader reader) => reader.ReadInt64();
}
