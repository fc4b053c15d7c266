namespace DslFlow.Time.Timers;

/// <summary>The names of a keyed node's timer queues in its backend and in checkpoints.</summary>
internal static class TimerQueueNames
{
    /// <summary><c>Node.$timers.event</c> or <c>Node.$timers.processing</c>: no parameter name has a '$'.</summary>
    public static string Of(string node, TimeDomain domain) =>
        node + (domain == TimeDomain.EventTime ? ".$timers.event" : ".$timers.processing");
}
