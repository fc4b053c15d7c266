namespace DslFlow;

/// <summary>
/// A sink node's description, returned by a <see cref="SinkAttribute"/> method. The runtime asks it for one writer
/// per subtask.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISink<T>
{
    /// <summary>Creates the writer of one subtask.</summary>
    ISinkWriter<T> CreateWriter(NodeContext context);
}

/// <summary>Writes one subtask's records, in batches, on the subtask's own thread.</summary>
/// <typeparam name="T">The record type.</typeparam>
public interface ISinkWriter<T> : IDisposable
{
    /// <summary>Writes a batch of records, in order.</summary>
    void Write(ReadOnlySpan<T> records);

    /// <summary>Makes every written record durable or visible (called when input ends).</summary>
    void Flush();
}
