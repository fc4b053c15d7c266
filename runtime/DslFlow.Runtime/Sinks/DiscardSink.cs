namespace DslFlow;

/// <summary>
/// Drops every record and counts them; for benchmarks and for pipelines run only for their side effects.
/// At-least-once by design: after a restart, replayed records are counted again.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class DiscardSink<T> : ISink<T>
{
    private long _count;

    /// <summary>The number of records written by all subtasks so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Creates the writer of one subtask.</summary>
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new Writer(this);
    }

    private sealed class Writer(DiscardSink<T> sink) : ISinkWriter<T>
    {
        public void Write(ReadOnlySpan<T> records) => Interlocked.Add(ref sink._count, records.Length);

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
