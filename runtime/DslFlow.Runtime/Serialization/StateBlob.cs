using DslFlow.Hashing;
using System.Buffers.Binary;

namespace DslFlow.Serialization;

/// <summary>
/// Frames a whole state blob so a reader can tell it is intact and which format wrote it: the magic bytes
/// <c>DFSB</c>, a one-byte format version, the payload length (uint32, little endian), the payload's CRC-32C (Castagnoli, the checksum of the checkpoint files too;
/// uint32, little endian), then the payload. Values inside the payload carry no per-value framing.
/// </summary>
public static class StateBlob
{
    /// <summary>The format version this build writes and reads.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>The length of the header before the payload.</summary>
    public const int HeaderLength = 13;

    private static ReadOnlySpan<byte> Magic => "DFSB"u8;

    /// <summary>Appends a framed copy of <paramref name="payload"/> to <paramref name="destination"/>.</summary>
    /// <param name="destination">The buffer to append to.</param>
    /// <param name="payload">The payload.</param>
    public static void Write(StateBuffer destination, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var writer = new StateWriter(destination);
        WriteHeader(writer.Reserve(HeaderLength), payload);
        writer.WriteRaw(payload);
    }

    /// <summary>Serializes <paramref name="value"/> into a framed blob appended to <paramref name="destination"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="destination">The buffer to append to.</param>
    /// <param name="serializer">The value's serializer.</param>
    /// <param name="value">The value; usually a whole snapshot.</param>
    public static void Write<T>(StateBuffer destination, ISerializer<T> serializer, T value)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(serializer);
        var writer = new StateWriter(destination);
        int start = destination.WrittenCount;
        writer.Reserve(HeaderLength);
        serializer.Write(ref writer, value);
        int payloadLength = destination.WrittenCount - start - HeaderLength;
        ReadOnlySpan<byte> payload = destination.WrittenRegion(start + HeaderLength, payloadLength);
        WriteHeader(destination.WrittenRegion(start, HeaderLength), payload);
    }

    /// <summary>Validates a blob that spans all of <paramref name="blob"/> and returns its payload.</summary>
    /// <param name="blob">The framed bytes.</param>
    /// <returns>The payload, a slice of <paramref name="blob"/>.</returns>
    /// <exception cref="StateFormatException">The magic, version, length or checksum is wrong, or bytes follow the blob.</exception>
    public static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> blob)
    {
        ReadOnlySpan<byte> payload = Read(blob, out int consumed);
        if (consumed != blob.Length)
        {
            throw new StateFormatException($"{blob.Length - consumed} bytes follow the state blob's payload", consumed);
        }
        return payload;
    }

    /// <summary>Validates the blob at the start of <paramref name="source"/>, which may hold more after it.</summary>
    /// <param name="source">Bytes starting with a framed blob.</param>
    /// <param name="bytesConsumed">The blob's length, header included.</param>
    /// <returns>The payload, a slice of <paramref name="source"/>.</returns>
    /// <exception cref="StateFormatException">The magic, version, length or checksum is wrong.</exception>
    public static ReadOnlySpan<byte> Read(ReadOnlySpan<byte> source, out int bytesConsumed)
    {
        if (source.Length < HeaderLength)
        {
            throw new StateFormatException(
                $"a state blob needs a {HeaderLength}-byte header but only {source.Length} bytes are present", 0);
        }
        if (!source[..4].SequenceEqual(Magic))
        {
            throw new StateFormatException(
                $"a state blob must start with 'DFSB' (0x{Convert.ToHexString(Magic)}), found 0x{Convert.ToHexString(source[..4])}", 0);
        }
        byte version = source[4];
        if (version != CurrentVersion)
        {
            throw new StateFormatException($"the state blob has format version {version}, but this build of DslFlow "
                + $"reads version {CurrentVersion}", 4);
        }
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(source[5..]);
        if (length > (uint)(source.Length - HeaderLength))
        {
            throw new StateFormatException($"the state blob declares a {length}-byte payload but only "
                + $"{source.Length - HeaderLength} bytes follow its header", 5);
        }
        ReadOnlySpan<byte> payload = source.Slice(HeaderLength, (int)length);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(source[9..]);
        uint actual = Crc32C.Compute(payload);
        if (actual != expected)
        {
            throw new StateFormatException($"the state blob's payload checksum does not match (CRC-32 in header "
                + $"0x{expected:x8}, computed 0x{actual:x8})", HeaderLength);
        }
        bytesConsumed = HeaderLength + (int)length;
        return payload;
    }

    /// <summary>Validates a blob that spans all of <paramref name="blob"/> and deserializes its whole payload.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="blob">The framed bytes.</param>
    /// <param name="serializer">The value's serializer.</param>
    /// <returns>The value.</returns>
    /// <exception cref="StateFormatException">The frame is invalid, or the payload is not exactly one value.</exception>
    public static T Read<T>(ReadOnlySpan<byte> blob, ISerializer<T> serializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        var reader = new StateReader(Read(blob));
        T value = serializer.Read(ref reader);
        reader.ExpectEnd();
        return value;
    }

    private static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> payload)
    {
        Magic.CopyTo(header);
        header[4] = CurrentVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(header[5..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[9..], Crc32C.Compute(payload));
    }
}
