namespace DslFlow;

/// <summary>
/// The indices one subtask reads from an index space: <see cref="Count"/> values starting at <see cref="First"/>,
/// <see cref="Stride"/> apart. Shared by the sequence, generator and collection sources so that they split and resume
/// identically.
/// </summary>
internal readonly record struct IndexRange(long First, long Stride, ulong Count)
{
    /// <summary>The position after the last index (the reader's position once it has ended).</summary>
    public long End => unchecked(First + (long)Count * Stride);

    /// <summary>
    /// Subtask <paramref name="subtask"/>'s share: of a bounded space [from, toExclusive) the contiguous range
    /// [from + i·len/p, from + (i+1)·len/p); of an unbounded space (<paramref name="toExclusive"/> null) every
    /// p-th index from <c>from + i</c>.
    /// </summary>
    public static IndexRange ForSubtask(long from, long? toExclusive, int subtask, int parallelism)
    {
        if (toExclusive is long to)
        {
            ulong length = unchecked((ulong)(to - from));
            long start = unchecked(from + (long)(ulong)((UInt128)length * (ulong)subtask / (ulong)parallelism));
            long end = unchecked(from + (long)(ulong)((UInt128)length * (ulong)(subtask + 1) / (ulong)parallelism));
            return new IndexRange(start, 1, unchecked((ulong)(end - start)));
        }
        if (long.MaxValue - from < subtask)
        {
            return new IndexRange(from, parallelism, 0);
        }
        long first = from + subtask;
        return new IndexRange(first, parallelism, ((ulong)(long.MaxValue - first) / (ulong)parallelism) + 1);
    }

    /// <summary>
    /// The share a subtask's reader reads: <see cref="ForSubtask"/>, from <paramref name="startPosition"/> when
    /// resuming.
    /// </summary>
    public static IndexRange ForReader(long from, long? toExclusive, NodeContext context, long? startPosition, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(context);
        IndexRange share = ForSubtask(from, toExclusive, context.SubtaskIndex, context.Parallelism);
        return startPosition is long position ? share.StartingAt(position, context, sourceName) : share;
    }

    /// <summary>The rest of this range from <paramref name="position"/>, a position a reader of it reported.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not one of this range's positions.</exception>
    public IndexRange StartingAt(long position, NodeContext context, string sourceName)
    {
        ulong offset = unchecked((ulong)(position - First));
        if (position < First || offset % (ulong)Stride != 0 || offset / (ulong)Stride > Count)
        {
            string share = Stride == 1 ? $"{First} to {End}" : $"{First} + k × {Stride} for k from 0 to {Count}";
            throw new ArgumentOutOfRangeException(nameof(position), position,
                $"{sourceName}: start position {position} is not in the share of {Messages.SubtaskNames.Of(context.SubtaskIndex, context.Parallelism)} " +
                $"of node '{context.NodeName}', whose valid positions are {share}. Pass a position that this " +
                "subtask's reader reported (its Position property) under the same parallelism.");
        }
        return new IndexRange(position, Stride, Count - (offset / (ulong)Stride));
    }
}
