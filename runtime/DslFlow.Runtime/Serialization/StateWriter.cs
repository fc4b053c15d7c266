using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace DslFlow.Serialization;

/// <summary>
/// Appends values to a <see cref="StateBuffer"/>: fixed-size primitives in little-endian order, lengths as LEB128
/// varints. Writing a primitive allocates nothing.
/// </summary>
/// <remarks>
/// A thin facade: the position lives in the buffer, so copies of a writer stay consistent. Serializers take it by
/// <c>ref</c> for symmetry with <see cref="StateReader"/>, which must be passed by reference because it advances.
/// The writer enforces <see cref="StateLimits"/> before any reader does, so what it saved can be restored; the counts
/// live in the buffer too and start again at <see cref="StateBuffer.Reset"/>.
/// </remarks>
public ref struct StateWriter
{
    private readonly StateBuffer _buffer;

    /// <summary>Creates a writer that appends to <paramref name="buffer"/>.</summary>
    /// <param name="buffer">The destination.</param>
    public StateWriter(StateBuffer buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        _buffer = buffer;
    }

    /// <summary>The destination buffer.</summary>
    public readonly StateBuffer Buffer => _buffer;

    /// <summary>The number of bytes in the destination buffer.</summary>
    public readonly int BytesWritten => _buffer.WrittenCount;

    /// <summary>Writes one byte.</summary>
    /// <param name="value">The value.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void WriteByte(byte value) => _buffer.Reserve(1)[0] = value;

    /// <summary>Writes one signed byte.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteSByte(sbyte value) => WriteByte((byte)value);

    /// <summary>Writes a boolean as one byte, 0 or 1.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteBoolean(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    /// <summary>Writes a 16-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(_buffer.Reserve(2), value);

    /// <summary>Writes an unsigned 16-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(_buffer.Reserve(2), value);

    /// <summary>Writes a 32-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(_buffer.Reserve(4), value);

    /// <summary>Writes an unsigned 32-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(_buffer.Reserve(4), value);

    /// <summary>Writes a 64-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(_buffer.Reserve(8), value);

    /// <summary>Writes an unsigned 64-bit integer, little endian.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(_buffer.Reserve(8), value);

    /// <summary>Writes a 32-bit float's bits, little endian (NaN payloads and -0 are kept).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(_buffer.Reserve(4), value);

    /// <summary>Writes a 64-bit float's bits, little endian (NaN payloads and -0 are kept).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(_buffer.Reserve(8), value);

    /// <summary>Writes an unsigned integer as an LEB128 varint (1 to 5 bytes).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarUInt32(uint value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    /// <summary>Writes an unsigned integer as an LEB128 varint (1 to 10 bytes).</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarUInt64(ulong value)
    {
        while (value >= 0x80)
        {
            WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        WriteByte((byte)value);
    }

    /// <summary>Writes a signed integer as a zigzag LEB128 varint, so small magnitudes of either sign are short.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarInt32(int value) => WriteVarUInt32((uint)((value << 1) ^ (value >> 31)));

    /// <summary>Writes a signed integer as a zigzag LEB128 varint, so small magnitudes of either sign are short.</summary>
    /// <param name="value">The value.</param>
    public readonly void WriteVarInt64(long value) => WriteVarUInt64((ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes a length or count as a varint.</summary>
    /// <param name="length">A non-negative length.</param>
    public readonly void WriteLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        WriteVarUInt32((uint)length);
    }

    /// <summary>
    /// Writes a non-negative index — a subtask, a key group, a position in a list — as a varint, which
    /// <see cref="StateReader.ReadIndex"/> reads back (the encoding of <see cref="WriteLength"/>).
    /// </summary>
    /// <param name="index">A non-negative index.</param>
    public readonly void WriteIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        WriteVarUInt32((uint)index);
    }

    /// <summary>
    /// Counts one more level of user-type values nested in each other; pair with <see cref="ExitNested"/>. Generated
    /// serializers call it for every record, class and struct; a custom serializer of a recursive type calls it too.
    /// </summary>
    /// <param name="typeName">The type being written, for the message.</param>
    /// <exception cref="InvalidOperationException">
    /// Values nest deeper than <see cref="StateLimits.MaxNestingDepth"/>, which no reader would restore, or so deep
    /// that this thread's stack would overflow — which would kill the process instead of failing the checkpoint.
    /// </exception>
    public readonly void EnterNested(string typeName)
    {
        int depth = ++_buffer.NestingDepth;
        if (depth > StateLimits.MaxNestingDepth)
        {
            throw new InvalidOperationException($"State of type '{typeName}' nests more than "
                + $"{StateLimits.MaxNestingDepth} values of user types inside each other (a linked chain or a tree that "
                + $"deep). State saves at most {StateLimits.MaxNestingDepth} levels, so that every restore can read it "
                + "back without overflowing the stack; keep a long chain in a List<T> or an array instead of links.");
        }
        if (depth > StateLimits.StackProbeDepth && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new InvalidOperationException($"State of type '{typeName}' nests {depth} values of user types inside "
                + "each other, more than this thread's stack holds; keep a long chain in a List<T> or an array instead "
                + "of links.");
        }
    }

    /// <summary>Ends a level begun by <see cref="EnterNested"/>.</summary>
    public readonly void ExitNested()
    {
        if (_buffer.NestingDepth == 0)
        {
            throw new InvalidOperationException("ExitNested was called more often than EnterNested.");
        }
        _buffer.NestingDepth--;
    }

    /// <summary>
    /// Ends one element of a collection, which began at <paramref name="start"/> (<see cref="BytesWritten"/> before it
    /// was written). An element that took no bytes is counted, as <see cref="StateReader.CountElement"/> counts it when
    /// reading, and at most <see cref="StateLimits.MaxEmptyElements"/> of them are written between resets.
    /// </summary>
    /// <param name="start">Where the element began.</param>
    /// <exception cref="InvalidOperationException">Too many elements took no bytes; the message says how to fix it.</exception>
    public readonly void CountElement(int start)
    {
        if (_buffer.WrittenCount == start && ++_buffer.EmptyElements > StateLimits.MaxEmptyElements)
        {
            throw new InvalidOperationException($"State holds more than {StateLimits.MaxEmptyElements} list, array, "
                + "dictionary or in-flight elements that take no bytes (values of a struct with no saved members), more "
                + "than a restore accepts, since a count of them costs nothing to forge. Keep a count instead of the "
                + "elements, or give the type a member that is saved.");
        }
    }

    /// <summary>
    /// Writes the length of a value that may be null, as a varint of <c>length + 1</c>, with 0 meaning null — the
    /// presence marker and the length in one byte for short values.
    /// </summary>
    /// <param name="length">A non-negative length, or -1 for null.</param>
    public readonly void WriteNullableLength(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, -1);
        WriteVarUInt32((uint)length + 1);
    }

    /// <summary>Copies raw bytes, without a length; pair with <see cref="StateReader.ReadBytes"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    public readonly void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(_buffer.Reserve(bytes.Length));

    /// <summary>Reserves exactly <paramref name="size"/> bytes to fill in place, and counts them as written.</summary>
    /// <param name="size">The number of bytes.</param>
    /// <returns>The reserved bytes.</returns>
    public readonly Span<byte> Reserve(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        return _buffer.Reserve(size);
    }
}
