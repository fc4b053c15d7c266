namespace DslFlow;

/// <summary>An inclusive range of key groups, the unit of keyed-state ownership of one subtask.</summary>
/// <param name="Start">First key group.</param>
/// <param name="End">Last key group (inclusive); <c>End &lt; Start</c> means empty.</param>
public readonly record struct KeyGroupRange(int Start, int End)
{
    /// <summary>Number of key groups in the range.</summary>
    public int Count => Math.Max(0, End - Start + 1);

    /// <summary>True when the key group lies in the range.</summary>
    public bool Contains(int keyGroup) => keyGroup >= Start && keyGroup <= End;

    /// <inheritdoc />
    public override string ToString() => $"[{Start}..{End}]";
}
