namespace DslFlow;

/// <summary>
/// Emits <c>generate(n)</c> for the indices n = 0, 1, ..., split among subtasks exactly like
/// <see cref="SequenceSource"/> (contiguous ranges when bounded, stripes when unbounded); replayable from
/// <see cref="IndexedSourceReader{T}.Position"/> as long as <c>generate</c> is deterministic.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class GeneratorSource<T> : ICheckpointedSource<T>
{
    private readonly double? _recordsPerSecond;

    /// <summary>A bounded source of <paramref name="count"/> records, <c>generate(0)</c> to <c>generate(count - 1)</c>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="generate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public GeneratorSource(Func<long, T> generate, long count)
    {
        ArgumentNullException.ThrowIfNull(generate);
        if (count < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count,
                $"GeneratorSource: count is {count}; it must be 0 or more. Use GeneratorSource<T>.Unbounded(generate) " +
                "for an endless source.");
        }
        Generate = generate;
        Count = count;
    }

    private GeneratorSource(Func<long, T> generate)
    {
        ArgumentNullException.ThrowIfNull(generate);
        Generate = generate;
    }

    /// <summary>An endless source of <c>generate(0), generate(1), ...</c> (it ends only at <see cref="long.MaxValue"/>).</summary>
    /// <param name="generate">Makes the record of an index.</param>
    /// <param name="recordsPerSecond">Sets <see cref="RecordsPerSecond"/> (an object initializer cannot follow a method call).</param>
    /// <exception cref="ArgumentNullException"><paramref name="generate"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="recordsPerSecond"/> is not a positive finite number.</exception>
    public static GeneratorSource<T> Unbounded(Func<long, T> generate, double? recordsPerSecond = null) =>
        new(generate) { RecordsPerSecond = recordsPerSecond };

    /// <summary>Makes the record of an index. It runs on the subtask's thread and should be deterministic.</summary>
    public Func<long, T> Generate { get; }

    /// <summary>The number of records of a bounded source; null when unbounded.</summary>
    public long? Count { get; }

    /// <summary>
    /// Limits the rate to this many records per second in total, divided evenly among the subtasks (measured on
    /// <see cref="NodeContext.TimeProvider"/>); null (the default) for no limit.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a positive finite number.</exception>
    public double? RecordsPerSecond
    {
        get => _recordsPerSecond;
        init => _recordsPerSecond = TokenBucket.Validate(value, "GeneratorSource");
    }

    /// <summary>Creates the reader of one subtask, starting at the beginning of its share.</summary>
    public GeneratorReader<T> CreateReader(NodeContext context) => Open(context, null);

    /// <summary>
    /// Creates the reader of one subtask resuming at <paramref name="startPosition"/>, a
    /// <see cref="IndexedSourceReader{T}.Position"/> that a reader of the same subtask under the same parallelism reported.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The position is not in this subtask's share.</exception>
    public GeneratorReader<T> CreateReader(NodeContext context, long startPosition) => Open(context, startPosition);

    ISourceReader<T> ISource<T>.CreateReader(NodeContext context) => CreateReader(context);

    /// <inheritdoc />
    public ISourceReader<T> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) =>
        CreateReader(context, IndexedSourceReader<T>.ReadPosition(position));

    private GeneratorReader<T> Open(NodeContext context, long? startPosition) =>
        new(IndexRange.ForReader(0, Count, context, startPosition, "GeneratorSource"),
            TokenBucket.ForSubtask(RecordsPerSecond, context), Generate);
}
