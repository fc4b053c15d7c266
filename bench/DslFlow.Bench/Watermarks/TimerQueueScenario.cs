using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;

namespace DslFlow.Bench.Watermarks;

/// <summary>
/// The keyed timers alone, without a task: the timer job's registrations (one per record, about 0.99 new timers per
/// record over 100 000 keys and 1 s windows) with the watermark advanced every 1024 records (a small backlog of pending
/// timers) and every 200 000 (a large one, as a 200 ms interval leaves at a few M records/s), on the heap backend's
/// queue and on RocksDB's (a column family; fewer records, it is slower). A profiling aid for <c>watermarks</c>: it tells
/// the queue's cost from the task's and the state's.
/// </summary>
internal static class TimerQueueScenario
{
    public static Task<Report> RunAsync(bool quick)
    {
        var report = new Report();
        string local = Path.Combine(Path.GetTempPath(), $"dslflow-bench-timers-{Environment.ProcessId}");
        try
        {
            foreach ((string backend, StateBackendOptions options, long records) in new[]
            {
                ("", new StateBackendOptions(), 4_000_000L),
                ("_rocksdb", new StateBackendOptions { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = local } }, 400_000L),
            })
            {
                foreach ((string name, int every) in new[] { ("small_backlog", 1024), ("large_backlog", 200_000) })
                {
                    var rates = new List<double>();
                    for (int rep = 0; rep < (quick ? 3 : 5); rep++)
                    {
                        rates.Add(Run(options, every, records));
                    }
                    Console.WriteLine($"{options.Kind} queue, watermark every {every:N0} records: {Measure.Median(rates):N0} timers/s");
                    report.Add($"queue_timers_per_second_{name}{backend}", Measure.Median(rates));
                }
            }
        }
        finally
        {
            if (Directory.Exists(local))
            {
                Directory.Delete(local, recursive: true);
            }
        }
        return Task.FromResult(report);
    }

    private static double Run(StateBackendOptions options, int every, long records)
    {
        long fired = 0;
        using IKeyedStateBackend backend = KeyedStateBackends.Create(options, new KeyGroupRange(0, 127), 128, "bench/timers-0");
        var timers = new KeyedTimers<long>("Count",
            backend.GetOrCreateTimerQueue(new TimerQueueDescriptor<long>("Count.$timers.event", Int64Serializer.Instance)),
            backend.GetOrCreateTimerQueue(new TimerQueueDescriptor<long>("Count.$timers.processing", Int64Serializer.Instance)),
            TimeProvider.System, (_, _, _, _) => fired++);
        var clock = Stopwatch.StartNew();
        for (long x = 0; x < records; x++)
        {
            long key = TimerLoop.KeyOf(x);
            timers.SetCurrentKey(key, StableHash.Of(key));
            timers.RegisterEventTimeTimer(TimerLoop.WindowEnd(x));
            if (x % every == every - 1)
            {
                timers.AdvanceWatermark(x - 2);
            }
        }
        timers.AdvanceWatermark(long.MaxValue);
        return fired / clock.Elapsed.TotalSeconds;
    }
}
