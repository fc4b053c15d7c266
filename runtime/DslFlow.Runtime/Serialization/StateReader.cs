using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace DslFlow.Serialization;

/// <summary>
/// Reads what a <see cref="StateWriter"/> wrote, from a span, advancing a position. Every read checks the bytes
/// remaining and throws <see cref="StateFormatException"/> — never an index exception — on truncated or malformed
/// input. Pass it by <c>ref</c>.
/// </summary>
/// <remarks>
/// Besides the position it keeps the input's budget for work that bytes alone do not bound (<see cref="StateLimits"/>):
/// how deep user-type values nest (<see cref="EnterNested"/>), how many collection elements took no bytes
/// (<see cref="CountElement"/>), and how much capacity collections were presized with (<see cref="SafeCapacity"/>).
/// After an exception the reader is not used again, so nothing is unwound.
/// </remarks>
public ref struct StateReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;
    private int _depth;
    private int _emptyElements;
    private int _capacityLeft;

    /// <summary>Creates a reader over <paramref name="data"/>.</summary>
    /// <param name="data">The serialized bytes.</param>
    public StateReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        _capacityLeft = data.Length;
    }

    /// <summary>The offset of the next byte to read.</summary>
    public readonly int Position => _position;

    /// <summary>The number of bytes not read yet.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool End => _position == _data.Length;

    /// <summary>Reads one byte.</summary>
    /// <returns>The value.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            ThrowTruncated(1, "a byte");
        }
        return _data[_position++];
    }

    /// <summary>Reads one signed byte.</summary>
    /// <returns>The value.</returns>
    public sbyte ReadSByte() => (sbyte)ReadByte();

    /// <summary>Reads a boolean; a byte other than 0 or 1 is malformed.</summary>
    /// <returns>The value.</returns>
    public bool ReadBoolean()
    {
        byte b = ReadByte();
        if (b > 1)
        {
            throw Malformed($"a boolean must be 0 or 1, found {b}", _position - 1);
        }
        return b == 1;
    }

    /// <summary>Reads a 16-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2, "an Int16"));

    /// <summary>Reads an unsigned 16-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2, "a UInt16"));

    /// <summary>Reads a 32-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4, "an Int32"));

    /// <summary>Reads an unsigned 32-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4, "a UInt32"));

    /// <summary>Reads a 64-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8, "an Int64"));

    /// <summary>Reads an unsigned 64-bit integer, little endian.</summary>
    /// <returns>The value.</returns>
    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, "a UInt64"));

    /// <summary>Reads a 32-bit float, little endian.</summary>
    /// <returns>The value.</returns>
    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4, "a Single"));

    /// <summary>Reads a 64-bit float, little endian.</summary>
    /// <returns>The value.</returns>
    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8, "a Double"));

    /// <summary>Reads an LEB128 varint of at most 32 bits.</summary>
    /// <returns>The value.</returns>
    public uint ReadVarUInt32()
    {
        int start = _position;
        uint result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_position >= _data.Length)
            {
                ThrowTruncatedVarint(start, "a VarUInt32");
            }
            byte b = _data[_position++];
            if (shift == 28 && b > 0x0F)
            {
                throw Malformed("a VarUInt32 does not fit in 32 bits", start);
            }
            result |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }

    /// <summary>Reads an LEB128 varint of at most 64 bits.</summary>
    /// <returns>The value.</returns>
    public ulong ReadVarUInt64()
    {
        int start = _position;
        ulong result = 0;
        for (int shift = 0; ; shift += 7)
        {
            if (_position >= _data.Length)
            {
                ThrowTruncatedVarint(start, "a VarUInt64");
            }
            byte b = _data[_position++];
            if (shift == 63 && b > 0x01)
            {
                throw Malformed("a VarUInt64 does not fit in 64 bits", start);
            }
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
        }
    }

    /// <summary>Reads a zigzag LEB128 varint written by <see cref="StateWriter.WriteVarInt32"/>.</summary>
    /// <returns>The value.</returns>
    public int ReadVarInt32()
    {
        uint z = ReadVarUInt32();
        return (int)(z >> 1) ^ -(int)(z & 1);
    }

    /// <summary>Reads a zigzag LEB128 varint written by <see cref="StateWriter.WriteVarInt64"/>.</summary>
    /// <returns>The value.</returns>
    public long ReadVarInt64()
    {
        ulong z = ReadVarUInt64();
        return (long)(z >> 1) ^ -(long)(z & 1);
    }

    /// <summary>Reads a length or count written by <see cref="StateWriter.WriteLength"/>.</summary>
    /// <returns>A non-negative length.</returns>
    public int ReadLength() => ReadNonNegative("a length");

    /// <summary>
    /// Reads an index written by <see cref="StateWriter.WriteIndex"/> — a subtask, a key group, a position in a list.
    /// A value above <see cref="int.MaxValue"/> is malformed: cast to <see cref="int"/> it would be negative and pass
    /// every <c>index &gt;= count</c> check.
    /// </summary>
    /// <returns>A non-negative index.</returns>
    public int ReadIndex() => ReadNonNegative("an index");

    /// <summary>Reads a length written by <see cref="StateWriter.WriteNullableLength"/>.</summary>
    /// <returns>A non-negative length, or -1 for null.</returns>
    public int ReadNullableLength()
    {
        int start = _position;
        uint value = ReadVarUInt32();
        if (value - 1 > int.MaxValue && value != 0)
        {
            throw Malformed($"a length of {value - 1} exceeds {int.MaxValue}", start);
        }
        return (int)(value - 1);
    }

    /// <summary>Reads <paramref name="count"/> raw bytes, without copying.</summary>
    /// <param name="count">The number of bytes.</param>
    /// <returns>A slice of the input, valid as long as the input is.</returns>
    public ReadOnlySpan<byte> ReadBytes(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Take(count, "raw bytes");
    }

    /// <summary>
    /// A capacity to preallocate for a collection of <paramref name="count"/> elements: no more than the bytes left,
    /// and, summed over every collection this reader sized, no more than the input's length — so neither a corrupted
    /// count nor collections nested in each other, each claiming the rest of the input, can make a reader allocate
    /// gigabytes before it notices the input is short. Valid input never needs more: every element but those counted
    /// by <see cref="CountElement"/> takes a byte of its own. A collection grows past its capacity as elements arrive.
    /// </summary>
    /// <param name="count">The element count read from the input.</param>
    /// <returns>The capacity.</returns>
    public int SafeCapacity(int count)
    {
        int capacity = Math.Max(0, Math.Min(Math.Min(count, Remaining), _capacityLeft));
        _capacityLeft -= capacity;
        return capacity;
    }

    /// <summary>
    /// Counts one more level of user-type values nested in each other; pair with <see cref="ExitNested"/>. Generated
    /// serializers call it for every record, class and struct; a custom serializer of a recursive type calls it too.
    /// </summary>
    /// <param name="typeName">The type being read, for the message.</param>
    /// <exception cref="StateFormatException">
    /// Values nest so deep that this thread's stack would overflow — which would kill the process instead of failing
    /// the restore. Unlike writing, reading has no fixed bound (<see cref="StateLimits.MaxNestingDepth"/>): state that
    /// versions before it saved deeper still restores wherever the stack holds it.
    /// </exception>
    public void EnterNested(string typeName)
    {
        if (++_depth > StateLimits.StackProbeDepth && !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw Malformed($"'{typeName}' values are nested {_depth} levels deep, more than this thread's stack "
                + $"holds (DslFlow saves at most {StateLimits.MaxNestingDepth})", _position);
        }
    }

    /// <summary>Ends a level begun by <see cref="EnterNested"/>.</summary>
    public void ExitNested()
    {
        if (_depth == 0)
        {
            throw new InvalidOperationException("ExitNested was called more often than EnterNested.");
        }
        _depth--;
    }

    /// <summary>
    /// Ends one element of a collection, which began at <paramref name="start"/> (the <see cref="Position"/> before it
    /// was read). An element that took no bytes is counted: their number is bounded by
    /// <see cref="StateLimits.MaxEmptyElements"/>, since a count of them costs nothing to forge. Collection serializers
    /// call it after every element (or dictionary entry), as <see cref="StateWriter.CountElement"/> when writing.
    /// </summary>
    /// <param name="start">Where the element began.</param>
    /// <exception cref="StateFormatException">More elements took no bytes than any writer saves.</exception>
    public void CountElement(int start)
    {
        if (_position == start && ++_emptyElements > StateLimits.MaxEmptyElements)
        {
            throw Malformed($"more than {StateLimits.MaxEmptyElements} collection elements take no bytes, more than "
                + "any writer saves", start);
        }
    }

    /// <summary>Throws unless every byte has been read: trailing bytes mean the reader and writer disagree.</summary>
    public readonly void ExpectEnd()
    {
        if (!End)
        {
            throw Malformed($"{Remaining} unread bytes follow the value", _position);
        }
    }

    /// <summary>
    /// Creates a <see cref="StateFormatException"/> at the current position, for serializers that find a value
    /// no writer produces (a duplicate dictionary key, an unknown tag). Use as <c>throw reader.Malformed("...")</c>.
    /// </summary>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="inner">The exception that revealed the damage, if any.</param>
    /// <returns>The exception to throw.</returns>
    public readonly StateFormatException Malformed(string problem, Exception? inner = null) =>
        new(problem, _position, inner);

    private static StateFormatException Malformed(string problem, int offset) => new(problem, offset);

    private int ReadNonNegative(string what)
    {
        int start = _position;
        uint value = ReadVarUInt32();
        if (value > int.MaxValue)
        {
            throw Malformed($"{what} of {value} exceeds {int.MaxValue}", start);
        }
        return (int)value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<byte> Take(int count, string what)
    {
        if ((uint)count > (uint)(_data.Length - _position))
        {
            ThrowTruncated(count, what);
        }
        ReadOnlySpan<byte> slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private readonly void ThrowTruncated(int count, string what) => throw new StateFormatException(
        $"the data ends while reading {what}: {count} bytes needed, {_data.Length - _position} left", _position);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncatedVarint(int start, string what) =>
        throw new StateFormatException($"the data ends inside {what}", start);
}
