namespace DslFlow;

/// <summary>How records travel from an upstream node to the subtasks of a downstream node.</summary>
public enum Partitioning
{
    /// <summary>
    /// Forward when both nodes have the same parallelism (subtask i feeds subtask i, and the nodes are fused
    /// into one task when nothing else prevents it), rebalance otherwise. Ignored when <c>KeyBy</c> is set.
    /// </summary>
    Auto = 0,

    /// <summary>Round-robin over every downstream subtask, record by record.</summary>
    Rebalance = 1,

    /// <summary>Every record goes to every downstream subtask.</summary>
    Broadcast = 2,
}
