namespace DslFlow;

/// <summary>
/// Buffer debloating (Flink's FLIP-183, <c>taskmanager.network.memory.buffer-debloat.*</c>): every
/// <see cref="Period"/> each task sizes the buffers its upstream sends so that what is queued at its input takes about
/// <see cref="Target"/> to consume at its measured throughput. Under backpressure that keeps in-flight data small, so
/// aligned checkpoint barriers wait behind less of it. The number of buffers (credits) does not change, only how many
/// records each holds, between <see cref="MinBufferSize"/> and <see cref="PipelineOptions.BufferSize"/>.
/// Bound from <c>IConfiguration</c> like the other options.
/// </summary>
public sealed class BufferDebloatOptions
{
    /// <summary>Turns debloating on. Default false, as in Flink.</summary>
    public bool Enabled { get; set; }

    /// <summary>How long the records queued at a task's input should take to consume. Default 1 s.</summary>
    public TimeSpan Target { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often each task recomputes its buffer size. Default 200 ms.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many periods the size is averaged over (an exponential moving average). Default 20.</summary>
    public int Samples { get; set; } = 20;

    /// <summary>
    /// A new size is announced only when it differs from the current one by at least this percentage, so small
    /// fluctuations do not make senders cut buffers at ever-changing sizes. Default 25.
    /// </summary>
    public int ThresholdPercentage { get; set; } = 25;

    /// <summary>
    /// The smallest buffer, in records (Flink's 256-byte minimum segment). Very small buffers make every record pay the
    /// per-buffer cost (FLINK-33077), so this stays well above one record by default. Default 16.
    /// </summary>
    public int MinBufferSize { get; set; } = 16;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and how to fix it.</summary>
    internal void Validate(int maxBufferSize)
    {
        Check(Target > TimeSpan.Zero, nameof(Target), Target, "must be positive");
        Check(Period > TimeSpan.Zero, nameof(Period), Period, "must be positive");
        Check(Samples >= 1, nameof(Samples), Samples, "must be at least 1");
        Check(ThresholdPercentage is >= 0 and <= 100, nameof(ThresholdPercentage), ThresholdPercentage, "must be between 0 and 100");
        Check(MinBufferSize >= 1, nameof(MinBufferSize), MinBufferSize, "must be at least 1 record");
        Check(!Enabled || MinBufferSize <= maxBufferSize, nameof(MinBufferSize), MinBufferSize,
            $"must not exceed PipelineOptions.BufferSize ({maxBufferSize}), the largest buffer");
    }

    private static void Check(bool valid, string name, object value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"PipelineOptions.BufferDebloat.{name} is {value}: it {rule}. Change the setting or remove it to use the default.", name);
        }
    }
}
