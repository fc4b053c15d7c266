using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DslFlow.Bench.Windows;

/// <summary>
/// The window count written by hand, as the issue asks: a <c>Dictionary</c> of counts per key for each window (for
/// sessions, one open session per key), windows fired when the watermark passes their end, the watermark advanced every
/// 200 ms of wall-clock time (checked every 1024 records) like the job's <c>IntervalMs = 200</c>. No channels, no
/// checkpoints, no state backend. Returns the checksum of every fired (key, window, count).
/// </summary>
internal static class WindowLoop
{
    public const long Keys = 10_000;

    private static readonly long Interval = Stopwatch.Frequency / 5; // 200 ms

    /// <summary>100 records per millisecond of event time, in order.</summary>
    public static long TimeOf(long x) => x / 100;

    public static long KeyOf(long x) => (((x * 0x9E3779B1L) ^ (x >> 3)) & long.MaxValue) % Keys;

    public static long Checksum(long key, TimeWindow window, long count) => key * 31 + window.Start * 17 + window.End * 7 + count;

    /// <summary>Tumbling or sliding windows (<paramref name="size"/>, <paramref name="slide"/>) over <paramref name="records"/> records.</summary>
    public static long RunFixed(long records, long size, long slide)
    {
        var windows = new Dictionary<long, Dictionary<long, long>>(); // by window start: counts per key
        var open = new Queue<long>(); // window starts in creation (= time) order, the input being in order
        var spare = new Stack<Dictionary<long, long>>();
        long checksum = 0;
        var clock = Stopwatch.StartNew();
        long nextEmit = Interval;
        for (long x = 0; x < records; x++)
        {
            long time = TimeOf(x), key = KeyOf(x);
            for (long start = time - time % slide; start > time - size; start -= slide)
            {
                ref Dictionary<long, long>? counts = ref CollectionsMarshal.GetValueRefOrAddDefault(windows, start, out bool existed);
                if (!existed)
                {
                    counts = spare.Count > 0 ? spare.Pop() : [];
                    open.Enqueue(start);
                }
                CollectionsMarshal.GetValueRefOrAddDefault(counts!, key, out _)++;
            }
            if ((x & 1023) == 1023 && clock.ElapsedTicks >= nextEmit)
            {
                nextEmit = clock.ElapsedTicks + Interval;
                Fire(time - 2); // the job's strategy: highest timestamp − bound − 1
            }
        }
        Fire(long.MaxValue);
        return checksum;

        void Fire(long watermark)
        {
            while (open.TryPeek(out long start) && start + size - 1 <= watermark)
            {
                open.Dequeue();
                windows.Remove(start, out Dictionary<long, long>? counts);
                var window = new TimeWindow(start, start + size);
                foreach ((long key, long count) in counts!)
                {
                    checksum += Checksum(key, window, count);
                }
                counts.Clear();
                spare.Push(counts);
            }
        }
    }

    /// <summary>Session windows of <paramref name="gap"/> over <paramref name="records"/> records.</summary>
    public static long RunSessions(long records, long gap)
    {
        var sessions = new Dictionary<long, (long Start, long End, long Count)>(); // the open session of each key
        var closed = new List<long>();
        long checksum = 0;
        var clock = Stopwatch.StartNew();
        long nextEmit = Interval;
        for (long x = 0; x < records; x++)
        {
            long time = TimeOf(x), key = KeyOf(x);
            ref (long Start, long End, long Count) session = ref CollectionsMarshal.GetValueRefOrAddDefault(sessions, key, out bool existed);
            if (existed && time > session.End)
            {
                checksum += Checksum(key, new TimeWindow(session.Start, session.End), session.Count); // it can grow no more
                existed = false;
            }
            session = existed ? (session.Start, Math.Max(session.End, time + gap), session.Count + 1) : (time, time + gap, 1);
            if ((x & 1023) == 1023 && clock.ElapsedTicks >= nextEmit)
            {
                nextEmit = clock.ElapsedTicks + Interval;
                Fire(time - 2);
            }
        }
        Fire(long.MaxValue);
        return checksum;

        void Fire(long watermark)
        {
            foreach ((long key, (long start, long end, long count)) in sessions)
            {
                if (end - 1 <= watermark)
                {
                    checksum += Checksum(key, new TimeWindow(start, end), count);
                    closed.Add(key);
                }
            }
            foreach (long key in closed)
            {
                sessions.Remove(key);
            }
            closed.Clear();
        }
    }
}
