using DslFlow.Serialization;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// Where a split of a <see cref="JetStreamSource{T}"/> is: its subject, the stream sequence of the next message to
/// read, and the split's end (the last sequence it reads; <see cref="ulong.MaxValue"/> when unbounded). The subject is
/// kept, so a restore reads the same subject whatever the configured list says now.
/// </summary>
internal readonly record struct JetStreamPosition(string Subject, ulong Next, ulong End)
{
    private const byte Version = 1;

    public void Write(ref StateWriter writer)
    {
        writer.WriteByte(Version);
        StringSerializer.Instance.Write(ref writer, Subject);
        writer.WriteVarUInt64(Next);
        writer.WriteVarUInt64(End);
    }

    /// <exception cref="StateFormatException">The bytes are not a JetStream source position.</exception>
    public static JetStreamPosition Read(ReadOnlySpan<byte> bytes)
    {
        var reader = new StateReader(bytes);
        byte version = reader.ReadByte();
        if (version != Version)
        {
            throw reader.Malformed($"JetStream source position version {version} is not one this version reads ({Version})");
        }
        string subject = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a JetStream position has no subject");
        var position = new JetStreamPosition(subject, reader.ReadVarUInt64(), reader.ReadVarUInt64());
        reader.ExpectEnd();
        return position;
    }
}
