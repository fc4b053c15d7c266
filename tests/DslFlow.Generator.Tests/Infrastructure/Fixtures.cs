namespace DslFlow.Generator.Tests.Infrastructure;

/// <summary>
/// A source and a sink compiled with every test pipeline, so the generator's tests depend on the
/// <c>ISource&lt;T&gt;</c> and <c>ISink&lt;T&gt;</c> contracts only, not on the built-in sources and sinks.
/// </summary>
public static class Fixtures
{
    public const string Source = """
        using System;
        using System.Collections.Concurrent;
        using System.Threading;
        using System.Threading.Tasks;
        using DslFlow;

        namespace Fixtures;

        /// <summary>Reads an array; subtask i of p reads items i, i + p, i + 2p...</summary>
        public sealed class ArraySource<T>(params T[] items) : ISource<T>
        {
            public ISourceReader<T> CreateReader(NodeContext context) => new Reader(items, context.SubtaskIndex, context.Parallelism);

            private sealed class Reader(T[] items, int next, int step) : ISourceReader<T>
            {
                public ReadResult Read(Span<T> destination)
                {
                    int count = 0;
                    while (count < destination.Length && next < items.Length)
                    {
                        destination[count++] = items[next];
                        next += step;
                    }
                    return new ReadResult(count, next < items.Length ? ReadStatus.MoreAvailable : ReadStatus.EndOfInput);
                }

                public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

                public void Dispose()
                {
                }
            }
        }

        /// <summary>Collects every record of every subtask.</summary>
        public sealed class QueueSink<T> : ISink<T>
        {
            public ConcurrentQueue<T> Items { get; } = new();

            public ISinkWriter<T> CreateWriter(NodeContext context) => new Writer(Items);

            private sealed class Writer(ConcurrentQueue<T> items) : ISinkWriter<T>
            {
                public void Write(ReadOnlySpan<T> records)
                {
                    foreach (T record in records)
                    {
                        items.Enqueue(record);
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
        """;
}
