namespace DslFlow;

/// <summary>
/// Marks a <c>partial</c> class whose attributed static methods declare a stream pipeline.
/// The DslFlow source generator emits the job graph (<c>Graph</c>) and the entry points
/// (<c>Start</c>, <c>RunAsync</c>) into the other part of the class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class PipelineAttribute : Attribute
{
    /// <summary>Parallelism of every node that does not set its own. Default 1.</summary>
    public int DefaultParallelism { get; set; } = 1;

    /// <summary>
    /// Number of key groups: the upper bound for the parallelism of keyed nodes and the unit in which
    /// keyed state is redistributed when parallelism changes. Default 128, as in Flink.
    /// </summary>
    public int MaxParallelism { get; set; } = 128;
}
