using System.Collections.Concurrent;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>A plain sink that keeps every record as its batch is written (visible at once; not transactional).</summary>
public sealed class RecordingSink<T> : ISink<T>
{
    private readonly ConcurrentQueue<T> _records = new();

    /// <summary>Every record written so far, in order.</summary>
    public IReadOnlyList<T> Records => [.. _records];

    public ISinkWriter<T> CreateWriter(NodeContext context) => new Writer(_records);

    private sealed class Writer(ConcurrentQueue<T> records) : ISinkWriter<T>
    {
        public void Write(ReadOnlySpan<T> batch)
        {
            foreach (T record in batch)
            {
                records.Enqueue(record);
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
