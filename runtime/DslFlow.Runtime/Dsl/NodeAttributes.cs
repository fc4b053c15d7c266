namespace DslFlow;

/// <summary>
/// A source: a static method, optionally taking a <see cref="PipelineContext"/>, that returns an
/// <see cref="ISource{T}"/> (for example <see cref="SequenceSource"/> or <see cref="FileLineSource"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class SourceAttribute : NodeAttribute
{
}

/// <summary>One output per input: <c>static TOut M(TIn record [, keyed state...])</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class MapAttribute(params string[] from) : OperatorAttribute(from)
{
}

/// <summary>Zero or more outputs per input: <c>static IEnumerable&lt;TOut&gt; M(TIn record [, keyed state...])</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class FlatMapAttribute(params string[] from) : OperatorAttribute(from)
{
}

/// <summary>Keeps the records for which <c>static bool M(T record [, keyed state...])</c> returns true.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class FilterAttribute(params string[] from) : OperatorAttribute(from)
{
}

/// <summary>
/// Zero or more outputs per input through a collector:
/// <c>static void M(TIn record, Collector&lt;TOut&gt; output [, keyed state...])</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ProcessAttribute(params string[] from) : OperatorAttribute(from)
{
}

/// <summary>
/// A sink: a static method, optionally taking a <see cref="PipelineContext"/>, that returns an
/// <see cref="ISink{T}"/> (for example <see cref="CollectSink{T}"/> or <see cref="ConsoleSink{T}"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class SinkAttribute(params string[] from) : OperatorAttribute(from)
{
    /// <summary>
    /// Accepts that this sink, which is not an <see cref="ITransactionalSink"/>, may write records again after a failure
    /// of an exactly-once pipeline (console output, metrics, idempotent writes).
    /// </summary>
    public bool AcceptAtLeastOnce { get; set; }
}
