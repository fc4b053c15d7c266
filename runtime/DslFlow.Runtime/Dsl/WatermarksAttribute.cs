namespace DslFlow;

/// <summary>
/// Event time for a source (Flink's <c>WatermarkStrategy.forBoundedOutOfOrderness(…).withTimestampAssigner(…)
/// .withIdleness(…)</c>): each record's timestamp comes from the static method named by the constructor,
/// <c>static long M(T record)</c> returning Unix milliseconds; per source split, the watermark trails the highest
/// timestamp by <see cref="OutOfOrdernessMs"/>, is emitted every <see cref="IntervalMs"/>, and a split without records
/// for <see cref="IdleTimeoutMs"/> stops holding it back. <see cref="PipelineOptions.Watermarks"/> overrides the durations.
/// </summary>
/// <param name="timestamps">The timestamp assigner: <c>nameof</c> a static method of the pipeline class.</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class WatermarksAttribute(string timestamps) : Attribute
{
    /// <summary>The timestamp assigner's name.</summary>
    public string Timestamps { get; } = timestamps;

    /// <summary>How late, at most, a record arrives behind the newest one of its split, in milliseconds. Must be positive.</summary>
    public long OutOfOrdernessMs { get; set; }

    /// <summary>After how many milliseconds without records a split goes idle; leave it out to keep every split active (set, it must be positive).</summary>
    public long IdleTimeoutMs { get; set; }

    /// <summary>How often watermarks are emitted, in milliseconds (Flink's <c>pipeline.auto-watermark-interval</c>; default 200).</summary>
    public long IntervalMs { get; set; } = 200;
}

/// <summary>
/// The timer handler of a keyed <c>[Process]</c> node (Flink's <c>KeyedProcessFunction.onTimer</c>): runs once per fired
/// timer with the timer's key current, so the node's keyed state is the key's. Its first parameter is <c>long time</c>
/// (the timer's time); then, in any order and each optional: the key (the node's key type); a <see cref="TimeDomain"/>;
/// the node's <see cref="Collector{T}"/> type, to emit; any of the node's keyed state parameters, by the same name and
/// type; the <see cref="TimerService"/>, to register more timers.
/// </summary>
/// <param name="node">The keyed process node whose timers this method handles (<c>nameof</c>).</param>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class OnTimerAttribute(string node) : Attribute
{
    /// <summary>The node's name.</summary>
    public string Node { get; } = node;
}
