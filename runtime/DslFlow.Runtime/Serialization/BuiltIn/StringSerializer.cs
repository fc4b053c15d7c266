using System.Text;

namespace DslFlow.Serialization;

/// <summary>
/// Serializes strings as UTF-8 after a varint of the byte length plus one (0 = null), so null and empty differ and
/// a short string's marker is one byte.
/// </summary>
/// <remarks>
/// Encoding is strict both ways: a string with an unpaired surrogate cannot be written (UTF-8 cannot represent it, and
/// replacing it would silently change state), and invalid UTF-8 is reported as a <see cref="StateFormatException"/>.
/// </remarks>
public sealed class StringSerializer : ISerializer<string?>
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private StringSerializer()
    {
    }

    /// <summary>The instance; the serializer is stateless.</summary>
    public static StringSerializer Instance { get; } = new();

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullableLength(-1);
            return;
        }
        int length;
        try
        {
            length = StrictUtf8.GetByteCount(value);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The string contains an unpaired surrogate at index {e.Index}, which UTF-8 "
                + "cannot represent; state strings must be well-formed UTF-16 (keep surrogate pairs together when "
                + "cutting strings).", nameof(value), e);
        }
        writer.WriteNullableLength(length);
        StrictUtf8.GetBytes(value, writer.Reserve(length));
    }

    /// <inheritdoc/>
    public string? Read(ref StateReader reader)
    {
        int length = reader.ReadNullableLength();
        if (length <= 0)
        {
            return length == 0 ? string.Empty : null;
        }
        int start = reader.Position;
        ReadOnlySpan<byte> bytes = reader.ReadBytes(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new StateFormatException($"a string of {length} bytes is not valid UTF-8", start, e);
        }
    }
}
