using DslFlow.Serialization;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// The messages one subtask of a <see cref="JetStreamSink{T}"/> wrote between two barriers, sealed for a checkpoint and
/// published once it completed. Message <c>i</c> is published with id <c>{IdPrefix}/{i}</c>, where the prefix names
/// the job run, the subtask and the checkpoint: publishing it again publishes the same ids, which the stream's
/// duplicate window drops.
/// </summary>
internal sealed record JetStreamTransaction(long CheckpointId, string IdPrefix, List<(string Subject, byte[] Payload)> Messages)
{
    private const byte Version = 1;

    public static string Prefix(Guid jobId, int subtask, long checkpointId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{jobId:N}/{subtask}/{checkpointId}");

    /// <summary>Writes transactions: <c>version, varint count, count × (checkpoint, prefix, varint n, n × (subject, payload))</c>.</summary>
    public static void WriteAll(ref StateWriter writer, IEnumerable<JetStreamTransaction> transactions, int count)
    {
        writer.WriteByte(Version);
        writer.WriteLength(count);
        foreach (JetStreamTransaction transaction in transactions)
        {
            writer.WriteVarInt64(transaction.CheckpointId);
            StringSerializer.Instance.Write(ref writer, transaction.IdPrefix);
            writer.WriteLength(transaction.Messages.Count);
            foreach ((string subject, byte[] payload) in transaction.Messages)
            {
                StringSerializer.Instance.Write(ref writer, subject);
                writer.WriteLength(payload.Length);
                writer.WriteRaw(payload);
            }
        }
    }

    /// <exception cref="StateFormatException">The bytes are not a JetStream sink's state.</exception>
    public static List<JetStreamTransaction> ReadAll(byte[] state)
    {
        var reader = new StateReader(state);
        byte version = reader.ReadByte();
        if (version != Version)
        {
            throw reader.Malformed($"JetStream sink state version {version} is not one this version reads ({Version})");
        }
        int count = reader.ReadLength();
        var transactions = new List<JetStreamTransaction>(reader.SafeCapacity(count));
        for (int t = 0; t < count; t++)
        {
            long checkpoint = reader.ReadVarInt64();
            string prefix = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a transaction without its id prefix");
            int messages = reader.ReadLength();
            var list = new List<(string, byte[])>(reader.SafeCapacity(messages));
            for (int m = 0; m < messages; m++)
            {
                string subject = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a message without its subject");
                list.Add((subject, reader.ReadBytes(reader.ReadLength()).ToArray()));
            }
            transactions.Add(new JetStreamTransaction(checkpoint, prefix, list));
        }
        reader.ExpectEnd();
        return transactions;
    }
}
