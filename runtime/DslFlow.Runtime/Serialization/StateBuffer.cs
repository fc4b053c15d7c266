using System.Buffers;
using System.Runtime.CompilerServices;

namespace DslFlow.Serialization;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>: the destination of a <see cref="StateWriter"/>.
/// Reuse one per task with <see cref="Reset"/> and dispose it to return the array to the pool.
/// </summary>
/// <remarks>Not thread-safe. It also implements <see cref="IBufferWriter{T}"/>, so encoders can write into it directly.</remarks>
public sealed class StateBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[]? _array;
    private int _count;

    /// <summary>Creates a buffer with at least <paramref name="initialCapacity"/> bytes.</summary>
    /// <param name="initialCapacity">The starting capacity; the buffer doubles as needed.</param>
    public StateBuffer(int initialCapacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 16));
    }

    /// <summary>The number of bytes written.</summary>
    public int WrittenCount => _count;

    /// <summary>The bytes written so far. Invalidated by further writes, <see cref="Reset"/> and <see cref="Dispose"/>.</summary>
    public ReadOnlySpan<byte> WrittenSpan => Array.AsSpan(0, _count);

    /// <summary>The bytes written so far. Invalidated by further writes, <see cref="Reset"/> and <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => Array.AsMemory(0, _count);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(StateBuffer));

    /// <summary>Copies the written bytes to a new array.</summary>
    /// <returns>The copy.</returns>
    public byte[] ToArray() => WrittenSpan.ToArray();

    /// <summary>Forgets the written bytes and keeps the array for reuse.</summary>
    public void Reset()
    {
        _count = 0;
        NestingDepth = 0; // a write that failed part-way left its levels behind
        EmptyElements = 0;
    }

    /// <summary>Levels of user-type values being written (<see cref="StateWriter.EnterNested"/>); here so copies of a writer agree.</summary>
    internal int NestingDepth { get; set; }

    /// <summary>Collection elements written that took no bytes, since creation or <see cref="Reset"/> (<see cref="StateWriter.CountElement"/>).</summary>
    internal int EmptyElements { get; set; }

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(Array.Length - _count))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Cannot advance past the end of the span obtained.");
        }
        _count += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _array.AsMemory(_count);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _array.AsSpan(_count);
    }

    /// <summary>Returns the array to the pool. The buffer cannot be used afterwards.</summary>
    public void Dispose()
    {
        byte[]? array = _array;
        _array = null;
        _count = 0;
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    /// <summary>Reserves exactly <paramref name="size"/> bytes at the end and counts them as written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> Reserve(int size)
    {
        byte[]? array = _array;
        if (array is null || array.Length - _count < size)
        {
            Ensure(size);
            array = _array!;
        }
        Span<byte> span = array.AsSpan(_count, size);
        _count += size;
        return span;
    }

    /// <summary>A written region, for back-filling a header once the bytes after it are known.</summary>
    internal Span<byte> WrittenRegion(int start, int length) => Array.AsSpan(start, length);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Ensure(int size)
    {
        byte[] array = Array;
        if (array.Length - _count >= size)
        {
            return;
        }
        long needed = (long)_count + size;
        if (needed > System.Array.MaxLength)
        {
            throw new InvalidOperationException(
                $"Serialized state would exceed {System.Array.MaxLength} bytes, the largest array .NET supports; "
                + "split the state into smaller blobs (for example one per key group).");
        }
        int capacity = (int)Math.Min(Math.Max(needed, (long)array.Length * 2), System.Array.MaxLength);
        byte[] larger = ArrayPool<byte>.Shared.Rent(capacity);
        array.AsSpan(0, _count).CopyTo(larger);
        _array = larger;
        ArrayPool<byte>.Shared.Return(array);
    }
}
