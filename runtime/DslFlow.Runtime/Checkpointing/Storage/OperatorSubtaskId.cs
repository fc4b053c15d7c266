namespace DslFlow.Checkpointing;

/// <summary>Identifies one parallel instance of an operator, the owner of a list of state handles.</summary>
/// <param name="OperatorId">The operator's stable id (its node name in the job graph).</param>
/// <param name="SubtaskIndex">The zero-based subtask index.</param>
public readonly record struct OperatorSubtaskId(string OperatorId, int SubtaskIndex) : IComparable<OperatorSubtaskId>
{
    /// <summary>Orders by operator id (ordinal), then subtask index, so encodings are deterministic.</summary>
    /// <param name="other">The id to compare with.</param>
    public int CompareTo(OperatorSubtaskId other)
    {
        int byOperator = string.CompareOrdinal(OperatorId, other.OperatorId);
        return byOperator != 0 ? byOperator : SubtaskIndex.CompareTo(other.SubtaskIndex);
    }

    /// <summary>Formats as <c>operator[subtask]</c>.</summary>
    public override string ToString() => $"{OperatorId}[{SubtaskIndex}]";
}
