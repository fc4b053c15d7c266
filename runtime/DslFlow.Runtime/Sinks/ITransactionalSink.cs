namespace DslFlow;

/// <summary>
/// Marks a sink whose output becomes visible only when a checkpoint completes (two-phase commit), so an exactly-once
/// pipeline gives exactly-once results at the sink. Sinks without it deliver at least once after a failure; an
/// exactly-once pipeline must accept that explicitly with <see cref="SinkAttribute.AcceptAtLeastOnce"/> (analyzer DSLF4001).
/// </summary>
public interface ITransactionalSink
{
}
