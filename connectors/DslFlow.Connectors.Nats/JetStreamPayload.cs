using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using DslFlow.Serialization;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// How records become message payloads and back: JSON through a System.Text.Json source-generated context
/// (<see cref="Json"/>), or a DslFlow serializer (<see cref="Binary"/>). Neither reflects per record.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public abstract class JetStreamPayload<T>
{
    /// <summary>JSON with the type's source-generated metadata (<c>MyJsonContext.Default.Order</c>).</summary>
    public static JetStreamPayload<T> Json(JsonTypeInfo<T> typeInfo) => new JsonPayload(typeInfo ?? throw new ArgumentNullException(nameof(typeInfo)));

    /// <summary>The bytes a DslFlow serializer writes (<see cref="ISerializer{T}"/>, e.g. a <c>[Serializer]</c> type's).</summary>
    public static JetStreamPayload<T> Binary(ISerializer<T> serializer) => new BinaryPayload(serializer ?? throw new ArgumentNullException(nameof(serializer)));

    /// <summary>The payload of a record.</summary>
    public abstract byte[] Serialize(T record);

    /// <summary>The record of a payload.</summary>
    /// <exception cref="FormatException">The payload is not a record of this type.</exception>
    public abstract T Deserialize(ReadOnlySpan<byte> payload);

    private sealed class JsonPayload(JsonTypeInfo<T> typeInfo) : JetStreamPayload<T>
    {
        public override byte[] Serialize(T record) => JsonSerializer.SerializeToUtf8Bytes(record, typeInfo);

        public override T Deserialize(ReadOnlySpan<byte> payload)
        {
            try
            {
                return JsonSerializer.Deserialize(payload, typeInfo)
                    ?? throw new FormatException($"The payload is JSON null, not a {typeof(T).Name}.");
            }
            catch (JsonException ex)
            {
                throw new FormatException($"The payload is not the JSON of a {typeof(T).Name}: {ex.Message}", ex);
            }
        }
    }

    private sealed class BinaryPayload(ISerializer<T> serializer) : JetStreamPayload<T>
    {
        public override byte[] Serialize(T record)
        {
            using var buffer = new StateBuffer(64);
            var writer = new StateWriter(buffer);
            serializer.Write(ref writer, record);
            return buffer.ToArray();
        }

        public override T Deserialize(ReadOnlySpan<byte> payload)
        {
            try
            {
                var reader = new StateReader(payload);
                T record = serializer.Read(ref reader);
                reader.ExpectEnd();
                return record;
            }
            catch (StateFormatException ex)
            {
                throw new FormatException($"The payload is not a {typeof(T).Name} as its serializer writes it: {ex.Message}", ex);
            }
        }
    }
}
