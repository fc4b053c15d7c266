namespace DslFlow.State.Backends;

/// <summary>
/// One keyed state's snapshot after its synchronous part: a version frozen at the barrier that the asynchronous part
/// serializes while the task goes on. Disposed once the checkpoint no longer needs it (written, aborted, or the task
/// ended).
/// </summary>
internal interface IKeyedStateSnapshot : IDisposable
{
    /// <summary>The state's name, <c>Node.parameter</c>.</summary>
    string Name { get; }

    /// <summary>What the state holds (see <see cref="StateDescriptors"/>).</summary>
    string Descriptor { get; }

    /// <summary>
    /// The asynchronous part: the frozen version's entries, by key group in increasing order (serialized once; a second
    /// call returns the same blocks, for a final snapshot written into several checkpoints).
    /// </summary>
    /// <exception cref="TaskStateException">A serializer refused a value; names the state.</exception>
    IReadOnlyList<KeyGroupBlock> Serialize(CancellationToken cancellationToken);
}
