namespace DslFlow.Generator.Model;

/// <summary>A source's <c>[Watermarks]</c>: its timestamp assigner and the strategy's durations in milliseconds.</summary>
/// <param name="TimestampMethod">The assigner, <c>static long M(T record)</c>.</param>
/// <param name="OutOfOrdernessMs">The bound (positive).</param>
/// <param name="IdleTimeoutMs">The idleness timeout; 0 keeps every split active.</param>
/// <param name="IntervalMs">The emission interval (positive).</param>
internal sealed record WatermarkModel(string TimestampMethod, long OutOfOrdernessMs, long IdleTimeoutMs, long IntervalMs);

/// <summary>What the generated code passes for one parameter of an <c>[OnTimer]</c> method.</summary>
internal enum TimerArgumentKind
{
    Time,
    Key,
    Domain,
    Collector,
    State,
    Timers,
}

/// <summary>One parameter of an <c>[OnTimer]</c> method; <paramref name="State"/> names the node's state it receives.</summary>
internal sealed record TimerArgument(TimerArgumentKind Kind, string? State = null);

/// <summary>The <c>[OnTimer]</c> method of a keyed process node.</summary>
/// <param name="MethodName">The handler's name.</param>
/// <param name="Arguments">Its parameters in order.</param>
internal sealed record OnTimerModel(string MethodName, EquatableArray<TimerArgument> Arguments);
