namespace DslFlow;

/// <summary>
/// Emits the numbers of a range, in increasing order per subtask; replayable from <see cref="IndexedSourceReader{T}.Position"/>.
/// A bounded sequence <c>[from, toExclusive)</c> is split into contiguous ranges (subtask i of p reads
/// <c>[from + i·len/p, from + (i+1)·len/p)</c>); an unbounded one is striped (subtask i reads
/// <c>from + i, from + i + p, ...</c>).
/// </summary>
public sealed class SequenceSource : ICheckpointedSource<long>
{
    private readonly double? _recordsPerSecond;

    /// <summary>A bounded sequence of the numbers <c>from</c> to <c>toExclusive - 1</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toExclusive"/> is less than <paramref name="from"/>.</exception>
    public SequenceSource(long from, long toExclusive)
    {
        if (toExclusive < from)
        {
            throw new ArgumentOutOfRangeException(nameof(toExclusive), toExclusive,
                $"SequenceSource: toExclusive ({toExclusive}) is less than from ({from}). Pass toExclusive ≥ from " +
                "(equal gives an empty sequence), or use SequenceSource.Unbounded(from) for an endless one.");
        }
        From = from;
        ToExclusive = toExclusive;
    }

    private SequenceSource(long from)
    {
        From = from;
    }

    /// <summary>An endless sequence <c>from, from + 1, ...</c> (it ends only at <see cref="long.MaxValue"/>).</summary>
    /// <param name="from">The first number.</param>
    /// <param name="recordsPerSecond">Sets <see cref="RecordsPerSecond"/> (an object initializer cannot follow a method call).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="recordsPerSecond"/> is not a positive finite number.</exception>
    public static SequenceSource Unbounded(long from = 0, double? recordsPerSecond = null) =>
        new(from) { RecordsPerSecond = recordsPerSecond };

    /// <summary>The first number.</summary>
    public long From { get; }

    /// <summary>The end of a bounded sequence (exclusive); null when unbounded.</summary>
    public long? ToExclusive { get; }

    /// <summary>
    /// Limits the rate to this many records per second in total, divided evenly among the subtasks (measured on
    /// <see cref="NodeContext.TimeProvider"/>); null (the default) for no limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a positive finite number.</exception>
    public double? RecordsPerSecond
    {
        get => _recordsPerSecond;
        init => _recordsPerSecond = TokenBucket.Validate(value, nameof(SequenceSource));
    }

    /// <summary>Creates the reader of one subtask, starting at the beginning of its share.</summary>
    public SequenceReader CreateReader(NodeContext context) => Open(context, null);

    /// <summary>
    /// Creates the reader of one subtask resuming at <paramref name="startPosition"/>, a
    /// <see cref="IndexedSourceReader{T}.Position"/> that a reader of the same subtask under the same parallelism reported.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not in this subtask's share.</exception>
    public SequenceReader CreateReader(NodeContext context, long startPosition) => Open(context, startPosition);

    ISourceReader<long> ISource<long>.CreateReader(NodeContext context) => CreateReader(context);

    /// <inheritdoc />
    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) =>
        CreateReader(context, IndexedSourceReader<long>.ReadPosition(position));

    private SequenceReader Open(NodeContext context, long? startPosition) =>
        new(IndexRange.ForReader(From, ToExclusive, context, startPosition, nameof(SequenceSource)),
            TokenBucket.ForSubtask(RecordsPerSecond, context));
}
