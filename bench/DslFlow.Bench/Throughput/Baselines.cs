using System.Threading.Tasks.Dataflow;

namespace DslFlow.Bench.Throughput;

/// <summary>The same keyed count, hand-written: a plain loop, and a per-record TPL Dataflow chain.</summary>
internal static class Baselines
{
    public static long PlainLoop(long records)
    {
        var counts = new Dictionary<long, long>();
        long sum = 0;
        for (long i = 0; i < records; i++)
        {
            long x = Workload.Mix(i);
            if (!Workload.Keep(x))
            {
                continue;
            }
            long key = Workload.Key(x);
            counts.TryGetValue(key, out long c);
            counts[key] = ++c;
            sum += c;
        }
        return sum;
    }

    public static long TplPerRecord(long records)
    {
        var bounded = new ExecutionDataflowBlockOptions { BoundedCapacity = 1000 };
        var link = new DataflowLinkOptions { PropagateCompletion = true };
        var map = new TransformBlock<long, long>(Workload.Mix, bounded);
        var filter = new TransformManyBlock<long, long>(x => Workload.Keep(x) ? [x] : [], bounded);
        var counts = new Dictionary<long, long>();
        long sum = 0;
        var count = new ActionBlock<long>(x =>
        {
            long key = Workload.Key(x);
            counts.TryGetValue(key, out long c);
            counts[key] = ++c;
            sum += c;
        }, bounded);
        map.LinkTo(filter, link);
        filter.LinkTo(count, link);
        for (long i = 0; i < records; i++)
        {
            if (!map.Post(i))
            {
                map.SendAsync(i).GetAwaiter().GetResult();
            }
        }
        map.Complete();
        count.Completion.GetAwaiter().GetResult();
        return sum;
    }
}
