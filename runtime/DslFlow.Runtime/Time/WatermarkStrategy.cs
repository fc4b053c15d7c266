namespace DslFlow.Time;

/// <summary>
/// How a source derives event time's progress from its records (Flink's <c>WatermarkStrategy</c>
/// <c>forBoundedOutOfOrderness(…).withIdleness(…)</c> and <c>pipeline.auto-watermark-interval</c>): per source split, the
/// watermark trails the highest timestamp seen by <see cref="OutOfOrderness"/>; a split without records for
/// <see cref="IdleTimeout"/> goes idle and stops holding the watermark back; watermarks are emitted every
/// <see cref="EmitInterval"/>.
/// </summary>
public sealed class WatermarkStrategy
{
    /// <summary>How late, at most, a record may arrive behind the highest timestamp of its split. Must be positive.</summary>
    public TimeSpan OutOfOrderness { get; set; }

    /// <summary>After how long without records a split goes idle; null (the default) keeps every split active.</summary>
    public TimeSpan? IdleTimeout { get; set; }

    /// <summary>How often watermarks are emitted (Flink's <c>pipeline.auto-watermark-interval</c>; default 200 ms).</summary>
    public TimeSpan EmitInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Refuses a strategy that cannot work, naming <paramref name="owner"/> and the way to fix it.</summary>
    /// <exception cref="JobConfigurationException">A duration is zero or negative.</exception>
    public void Validate(string owner)
    {
        Refuse(OutOfOrderness, WatermarkRules.OutOfOrderness, owner);
        if (IdleTimeout is { } idle)
        {
            Refuse(idle, WatermarkRules.IdleTimeout, owner);
        }
        Refuse(EmitInterval, WatermarkRules.EmitInterval, owner);
    }

    private static void Refuse(TimeSpan value, string setting, string owner)
    {
        if (WatermarkRules.NotPositive(owner, setting, setting, value.TotalMilliseconds, value.ToString()) is { } problem)
        {
            throw new JobConfigurationException(problem);
        }
    }
}
