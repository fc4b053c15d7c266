namespace DslFlow;

/// <summary>Where keyed state lives (<see cref="StateBackendOptions.Kind"/>).</summary>
public enum StateBackendKind
{
    /// <summary>
    /// In memory, as objects (Flink's <c>HashMapStateBackend</c>): the fastest access; state must fit in memory; every
    /// checkpoint writes the whole state, serialized off the task thread (copy-on-write).
    /// </summary>
    Heap = 0,

    /// <summary>
    /// In an embedded RocksDB per subtask, on local disk (Flink's <c>EmbeddedRocksDBStateBackend</c>): state may be far
    /// larger than memory; every access serializes (a native get or put costs about a microsecond, against tens of
    /// nanoseconds on the heap). Needs the <c>DslFlow.StateBackends.RocksDb</c> package; options in
    /// <see cref="StateBackendOptions.RocksDb"/>.
    /// </summary>
    RocksDb = 1,
}

/// <summary>
/// The keyed state backend of a job (bindable from <c>IConfiguration</c> as <c>StateBackend</c>). Every keyed node of
/// the job keeps its value, list and map states in it; checkpoints snapshot them through it.
/// </summary>
public sealed class StateBackendOptions
{
    /// <summary>Which backend holds keyed state. Default <see cref="StateBackendKind.Heap"/>.</summary>
    public StateBackendKind Kind { get; set; } = StateBackendKind.Heap;

    /// <summary>
    /// Serialize keyed state in the asynchronous part of a checkpoint, off the task thread (default true). The
    /// synchronous part then only freezes a version (copy-on-write), so records keep flowing while state is written.
    /// False serializes on the task thread, inside the synchronous part (for comparison and debugging).
    /// </summary>
    public bool AsynchronousSnapshots { get; set; } = true;

    /// <summary>Settings of the RocksDB backend (used when <see cref="Kind"/> is <see cref="StateBackendKind.RocksDb"/>).</summary>
    public RocksDbOptions RocksDb { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid setting and how to fix it.</summary>
    public void Validate()
    {
        if (RocksDb is null)
        {
            throw new ArgumentException("PipelineOptions.StateBackend.RocksDb must not be null; leave it unset for the defaults.");
        }
        RocksDb.Validate();
        if (!Enum.IsDefined(Kind))
        {
            throw new ArgumentException($"PipelineOptions.StateBackend.Kind is {(int)Kind}, which is not a state backend. "
                + $"Use one of: {string.Join(", ", Enum.GetNames<StateBackendKind>())}.");
        }
    }
}
