namespace DslFlow.State.Backends;

/// <summary>
/// The entries of one key group of one keyed state in a snapshot: <see cref="Count"/> entries of
/// <c>(int32 stableHash, key, value)</c>, the one snapshot format of every keyed state and backend. The bytes may come in
/// two parts (what the asynchronous walk wrote, then what the task thread saved before its writes); a state file stores
/// them as one block.
/// </summary>
internal readonly record struct KeyGroupBlock(int KeyGroup, int Count, ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second)
{
    /// <summary>The block's length in bytes.</summary>
    public int Length => First.Length + Second.Length;
}
