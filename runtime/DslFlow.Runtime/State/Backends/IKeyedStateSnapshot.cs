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
    /// The asynchronous part: the frozen version's entries, by key group in increasing order. A backend may produce them
    /// while they are enumerated (RocksDB reads one key group at a time as of its snapshot, so a full snapshot never sits
    /// in memory whole): a block's bytes are valid only until the next block is requested or the enumeration ends, so a
    /// consumer writes or copies each before moving on. Enumerating again yields the same entries (a final snapshot written into several
    /// checkpoints); the heap serializes once, at the call, and returns the same blocks each time.
    /// </summary>
    /// <exception cref="TaskStateException">A serializer refused a value, or the backend could not read; names the state.</exception>
    IEnumerable<KeyGroupBlock> Serialize(CancellationToken cancellationToken);
}
