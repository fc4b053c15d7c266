namespace DslFlow.State;

/// <summary>One old subtask's saved list of an operator list state, as a restore finds it in a checkpoint.</summary>
/// <param name="Subtask">The old subtask's index.</param>
/// <param name="Parallelism">How many subtasks the node ran with when the checkpoint was taken.</param>
/// <param name="Bytes">The list, serialized with the element serializer (<see cref="Serialization.ListSerializer{T}"/>).</param>
internal readonly record struct OperatorListPart(int Subtask, int Parallelism, byte[] Bytes);

/// <summary>
/// Flink's even-split redistribution of operator list state: with the parallelism unchanged every subtask gets its own
/// list back; otherwise the old lists are concatenated in old subtask order and subtask <c>i</c> of <c>p</c> gets the
/// elements <c>[i·n/p, (i+1)·n/p)</c>, so sizes differ by at most one and order is kept.
/// </summary>
internal static class OperatorListRedistribution
{
    /// <summary>The half-open range of the <paramref name="count"/> concatenated elements that a subtask gets.</summary>
    public static (int Start, int End) Range(int count, int subtask, int parallelism)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(subtask);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(subtask, parallelism);
        return ((int)((long)count * subtask / parallelism), (int)((long)count * (subtask + 1) / parallelism));
    }

    /// <summary>
    /// The elements subtask <paramref name="subtask"/> of <paramref name="parallelism"/> restores from the old subtasks'
    /// <paramref name="parts"/>, decoding only the parts it needs.
    /// </summary>
    public static List<T> Assign<T>(IReadOnlyList<OperatorListPart> parts, int subtask, int parallelism, Func<byte[], List<T>> decode)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(decode);
        if (parts.Count == 0)
        {
            return [];
        }
        if (parts.All(p => p.Parallelism == parallelism))
        {
            // Same parallelism: each subtask keeps exactly what it had (an even split would move elements between
            // subtasks whose lists differ in length).
            return parts.Where(p => p.Subtask == subtask).Select(p => decode(p.Bytes)).FirstOrDefault() ?? [];
        }
        var all = new List<T>();
        foreach (OperatorListPart part in parts.OrderBy(p => p.Subtask))
        {
            all.AddRange(decode(part.Bytes));
        }
        (int start, int end) = Range(all.Count, subtask, parallelism);
        return all.GetRange(start, end - start);
    }
}
