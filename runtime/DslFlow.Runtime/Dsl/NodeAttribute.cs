namespace DslFlow;

/// <summary>Common settings of every pipeline node. The node's name is the method's name.</summary>
public abstract class NodeAttribute : Attribute
{
    /// <summary>
    /// Number of parallel instances (subtasks). 0 (the default) takes the pipeline's
    /// <see cref="PipelineAttribute.DefaultParallelism"/>.
    /// </summary>
    public int Parallelism { get; set; }
}

/// <summary>Settings shared by every node that reads from upstream nodes.</summary>
public abstract class OperatorAttribute : NodeAttribute
{
    /// <summary>Wires the node to one or more upstream nodes, by method name (use <c>nameof</c>).</summary>
    /// <param name="from">Names of upstream nodes; all must produce the type this node consumes.</param>
    protected OperatorAttribute(params string[] from) => Upstreams = from ?? [];

    /// <summary>Upstream node names given to the constructor.</summary>
    public string[] Upstreams { get; }

    /// <summary>A single upstream node name (an alternative to the constructor arguments).</summary>
    public string? From { get; set; }

    /// <summary>
    /// Name of a static method of the pipeline class that selects the key of an input record.
    /// A keyed node receives all records of one key on one subtask and may take keyed state parameters.
    /// </summary>
    public string? KeyBy { get; set; }

    /// <summary>How records are distributed from the upstream nodes. Ignored when <see cref="KeyBy"/> is set.</summary>
    public Partitioning Partitioning { get; set; }
}
