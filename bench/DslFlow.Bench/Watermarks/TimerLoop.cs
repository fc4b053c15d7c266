namespace DslFlow.Bench.Watermarks;

/// <summary>
/// The timer job written by hand: a dictionary of counts per (key, window) that deduplicates the timers, a priority queue
/// of timers, and the watermark advanced every 200 ms of wall-clock time (checked every 1024 records) as the job's
/// <c>IntervalMs = 200</c> does — no channels, no checkpoints, no state backend. Returns the checksum of every fired
/// (key, window, count), which the pipeline must match.
/// </summary>
internal static class TimerLoop
{
    public const long Keys = 100_000;

    public static long KeyOf(long x) => (((x * 0x9E3779B1L) ^ (x >> 3)) & long.MaxValue) % Keys;

    public static long WindowEnd(long time) => time - time % TimerCountPipeline.WindowMs + TimerCountPipeline.WindowMs - 1;

    public static long Checksum(long key, long end, long count) => key * 31 + end * 17 + count;

    private static readonly long Interval = System.Diagnostics.Stopwatch.Frequency / 5; // 200 ms

    /// <summary>Runs <paramref name="records"/> records; returns (checksum, timers fired).</summary>
    public static (long Checksum, long Fired) Run(long records)
    {
        var counts = new Dictionary<(long Key, long End), long>();
        var queue = new PriorityQueue<(long Key, long End), long>();
        long checksum = 0, fired = 0, watermark = long.MinValue;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long nextEmit = Interval;
        for (long x = 0; x < records; x++)
        {
            long key = KeyOf(x), end = WindowEnd(x);
            ref long count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, (key, end), out bool existed);
            count++;
            if (!existed)
            {
                queue.Enqueue((key, end), end); // the first record of a key's window registers its timer
            }
            if ((x & 1023) == 1023 && clock.ElapsedTicks >= nextEmit)
            {
                nextEmit = clock.ElapsedTicks + Interval;
                watermark = x - 2; // the pipeline's strategy: highest timestamp − bound − 1
                Fire(watermark);
            }
        }
        Fire(long.MaxValue); // end of input
        return (checksum, fired);

        void Fire(long upTo)
        {
            while (queue.TryPeek(out (long Key, long End) timer, out long time) && time <= upTo)
            {
                queue.Dequeue();
                counts.Remove(timer, out long count);
                checksum += Checksum(timer.Key, timer.End, count);
                fired++;
            }
        }
    }
}
