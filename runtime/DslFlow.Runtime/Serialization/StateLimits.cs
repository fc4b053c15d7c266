namespace DslFlow.Serialization;

/// <summary>
/// Bounds on what one state blob may hold. Writers enforce them before readers do, so state that was saved can always
/// be restored; readers enforce them because a blob's CRC-32C detects accidents, not intent, and a damaged or crafted
/// blob must fail with a <see cref="StateFormatException"/> — not overflow the stack, which kills the whole process on
/// every restart, or loop until memory runs out.
/// </summary>
public static class StateLimits
{
    /// <summary>
    /// How many values of user types may nest inside each other: the length of a linked chain
    /// (<c>record Node(int Value, Node? Next)</c>), the depth of a tree. Generated serializers count every record,
    /// class and struct they save; a custom serializer of a recursive type counts with
    /// <see cref="StateWriter.EnterNested"/> and <see cref="StateReader.EnterNested"/>. Collections of any length
    /// do not nest: keep a long chain as a <see cref="List{T}"/> or an array.
    /// </summary>
    public const int MaxNestingDepth = 1000;

    /// <summary>
    /// How many elements of lists, arrays, dictionaries and channel state that take no bytes — values of a struct with
    /// no saved members — one blob may hold. Their count costs nothing to forge, so without a bound a crafted count near
    /// 2^31 would be read element by element until memory runs out; every other element takes at least one byte, which
    /// bounds it by the blob's length.
    /// </summary>
    public const int MaxEmptyElements = 1 << 20;

    /// <summary>
    /// From this nesting level on, readers and writers also ask whether the thread's stack holds another level
    /// (<c>RuntimeHelpers.TryEnsureSufficientExecutionStack</c>): a thread with a small stack, or a custom serializer
    /// with large frames, may run out before <see cref="MaxNestingDepth"/>. The probe costs a call, and a value nested
    /// this shallow cannot exhaust a stack, so the common case does not pay for it.
    /// </summary>
    internal const int StackProbeDepth = 32;
}
