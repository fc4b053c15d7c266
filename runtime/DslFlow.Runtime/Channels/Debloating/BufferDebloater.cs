namespace DslFlow.Channels;

/// <summary>
/// Computes the buffer size of one task's input (Flink's <c>BufferDebloater</c>): from the records the task consumed
/// in the last period and the buffers queued at its input, the size at which the queued records take
/// <see cref="BufferDebloatOptions.Target"/> to consume, averaged over <see cref="BufferDebloatOptions.Samples"/>
/// periods, clamped to [<see cref="BufferDebloatOptions.MinBufferSize"/>, the configured buffer size], and announced
/// only when it moved by the threshold. Pure arithmetic: the task calls it on its own thread.
/// </summary>
internal sealed class BufferDebloater
{
    private readonly BufferDebloatOptions _options;
    private readonly int _maxBufferSize;
    private readonly double _alpha;
    private double? _average;

    /// <summary>Less busy time than this in a period is not a measurement.</summary>
    private static readonly TimeSpan MinimumBusy = TimeSpan.FromMilliseconds(1);

    public BufferDebloater(BufferDebloatOptions options, int maxBufferSize)
    {
        _options = options;
        _maxBufferSize = maxBufferSize;
        _alpha = 2.0 / (options.Samples + 1);
        BufferSize = maxBufferSize;
    }

    /// <summary>The size announced last (the configured size until the first announcement).</summary>
    public int BufferSize { get; private set; }

    /// <summary>Records per second the task consumed in the last period, while it had input.</summary>
    public double Throughput { get; private set; }

    /// <summary>How long the records queued at the input would take to consume at <see cref="Throughput"/>.</summary>
    public TimeSpan EstimatedTimeToConsume { get; private set; }

    /// <summary>
    /// One period ended: <paramref name="records"/> consumed in <paramref name="busy"/> (the period without the time the
    /// task waited for input), <paramref name="queuedBuffers"/> buffers and <paramref name="queuedRecords"/> records
    /// queued now. Returns the new size to announce, or null when it stays.
    /// </summary>
    public int? Recalculate(long records, TimeSpan busy, int queuedBuffers, long queuedRecords)
    {
        if (records == 0 || busy < MinimumBusy)
        {
            // Nothing consumed (an idle task runs only its own mail): nothing measured, so the throughput and size of
            // the last period stand rather than collapsing to the minimum before the next burst (as in Flink).
            EstimatedTimeToConsume = Throughput > 0 ? TimeSpan.FromSeconds(queuedRecords / Throughput) : TimeSpan.Zero;
            return null;
        }
        Throughput = records / busy.TotalSeconds;
        EstimatedTimeToConsume = TimeSpan.FromSeconds(queuedRecords / Throughput);
        // The credits bound how many buffers can queue; sizing each so that they hold Target's worth of records.
        double desired = Throughput * _options.Target.TotalSeconds / Math.Max(1, queuedBuffers);
        _average = _average is { } average ? average + _alpha * (desired - average) : desired;
        int size = (int)Math.Clamp(Math.Round(_average.Value), _options.MinBufferSize, _maxBufferSize);
        if (size == BufferSize || Math.Abs(size - BufferSize) * 100L < (long)_options.ThresholdPercentage * BufferSize)
        {
            return null;
        }
        BufferSize = size;
        return size;
    }
}
