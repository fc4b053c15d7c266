using DslFlow;

namespace DslFlow.Bench.Throughput;

/// <summary>A discard sink that sums what it drops, so variants can be checked against each other.</summary>
internal sealed class ChecksumSink : ISink<long>
{
    private long _sum;

    public long Sum => Interlocked.Read(ref _sum);

    public ISinkWriter<long> CreateWriter(NodeContext context) => new Writer(this);

    private sealed class Writer(ChecksumSink sink) : ISinkWriter<long>
    {
        public void Write(ReadOnlySpan<long> records)
        {
            long sum = 0;
            foreach (long r in records)
            {
                sum += r;
            }
            Interlocked.Add(ref sink._sum, sum);
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
