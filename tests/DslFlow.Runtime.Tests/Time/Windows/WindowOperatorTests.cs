using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using static DslFlow.Runtime.Tests.State.Backends.BackendStates;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// The window node's logic driven by hand, in the manner of Flink's <c>WindowOperatorTest</c>: tumbling, sliding and
/// session windows counting records, fired by watermarks or processing time, lateness with re-firing, late records to
/// an output or dropped, purging, snapshot and rescaled restore with open windows.
/// </summary>
public sealed class WindowOperatorTests
{
    private static long Count(long count, string _) => count + 1;

    private static string Result(string key, TimeWindow window, long count) => $"{key} {window} {count}";

    private static WindowOperator<string, string, long, string> Counting(WindowAssigner assigner, long latenessMs = 0,
        TimeDomain domain = TimeDomain.EventTime) =>
        new("Window", assigner, domain, latenessMs, Count, (a, b) => a + b, Result);

    [Fact]
    public void Tumbling_windows_fire_once_when_the_watermark_passes_their_end_and_are_then_dropped()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(WindowAssigner.Tumbling("Window", 1_000)));
        harness.Process("a", "x", 10);
        harness.Process("a", "x", 999);
        harness.Process("b", "x", 500);
        harness.Process("a", "x", 1_000); // the next window
        harness.Process("a", "x", 250); // out of order, not late

        harness.Watermark(998);
        Assert.Empty(harness.Output); // 999 is still in [0, 1000)
        harness.Watermark(999);
        Assert.Equal(["a [0, 1000) 3", "b [0, 1000) 1"], harness.Output.Order());
        Assert.Equal(1, harness.OpenWindows);
        harness.Watermark(long.MaxValue);
        Assert.Equal(["a [0, 1000) 3", "a [1000, 2000) 1", "b [0, 1000) 1"], harness.Output.Order());
        Assert.Equal(0, harness.OpenWindows);
        Assert.Equal(0, harness.PendingTimers);
    }

    [Fact]
    public void Sliding_windows_count_each_record_in_every_window_that_holds_it()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(WindowAssigner.Sliding("Window", 3_000, 1_000)));
        harness.Process("a", "x", 2_500); // [0,3000) [1000,4000) [2000,5000)
        harness.Process("a", "x", 3_100); // [1000,4000) [2000,5000) [3000,6000)
        harness.Process("a", "x", -1); // negative times align to the epoch too: [-3000,0) [-2000,1000) [-1000,2000)

        harness.Watermark(long.MaxValue);

        Assert.Equal([
            "a [-3000, 0) 1", "a [-2000, 1000) 1", "a [-1000, 2000) 1", "a [0, 3000) 1",
            "a [1000, 4000) 2", "a [2000, 5000) 2", "a [3000, 6000) 1",
        ], harness.Output);
    }

    [Fact]
    public void Sessions_of_a_key_merge_when_they_touch_and_a_record_bridging_two_joins_them()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(WindowAssigner.Session("Window", 1_000)));
        harness.Process("a", "x", 0); // [0, 1000)
        harness.Process("a", "x", 500); // merges: [0, 1500)
        harness.Process("a", "x", 3_000); // its own: [3000, 4000)
        harness.Process("b", "x", 100); // another key: [100, 1100)
        harness.Process("a", "x", 1_500); // touches [0,1500): [0, 2500)
        Assert.Equal(3, harness.OpenWindows);
        harness.Process("a", "x", 2_000); // [2000,3000) touches both: [0, 4000)
        Assert.Equal(2, harness.OpenWindows);

        harness.Watermark(3_998);
        Assert.Equal(["b [100, 1100) 1"], harness.Output); // a's old timers (999, 1499, 2499) found nothing to fire
        harness.Watermark(3_999);
        Assert.Equal(["b [100, 1100) 1", "a [0, 4000) 5"], harness.Output);
        Assert.Equal(0, harness.OpenWindows);
    }

    [Fact]
    public void A_late_record_within_the_allowed_lateness_fires_its_window_again_and_one_past_it_goes_to_the_late_output()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(
            Counting(WindowAssigner.Tumbling("Window", 1_000), latenessMs: 500), lateOutput: true);
        harness.Process("a", "first", 100);
        harness.Watermark(999);
        Assert.Equal(["a [0, 1000) 1"], harness.Output);
        Assert.Equal(1, harness.OpenWindows); // kept for late records until 1499

        harness.Process("a", "late", 200);
        Assert.Equal(["a [0, 1000) 1", "a [0, 1000) 2"], harness.Output); // fired again at once, the late record counted
        harness.Watermark(1_499);
        Assert.Equal(0, harness.OpenWindows); // cleaned up
        harness.Process("a", "too late", 300);

        Assert.Equal(["too late"], harness.LateOutput);
        Assert.Equal(2, harness.Output.Count);
        Assert.Equal(1, harness.Operator.LateRecordsEmitted);
        Assert.Equal(0, harness.Operator.LateRecordsDropped);
    }

    [Fact]
    public void Without_a_late_output_late_records_are_dropped_and_counted()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(WindowAssigner.Sliding("Window", 2_000, 1_000)));
        harness.Process("a", "x", 1_500);
        harness.Watermark(1_999);
        Assert.Equal(["a [0, 2000) 1"], harness.Output);

        harness.Process("a", "partly late", 1_700); // [0,2000) is past, [1000,3000) is not: counted there, not late
        harness.Process("a", "late", 900); // [-1000,1000) and [0,2000): both past
        harness.Watermark(long.MaxValue);

        Assert.Equal(["a [0, 2000) 1", "a [1000, 3000) 2"], harness.Output);
        Assert.Equal(1, harness.Operator.LateRecordsDropped);
    }

    [Fact]
    public void Processing_time_windows_take_the_clock_and_fire_when_it_passes_their_end()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(
            Counting(WindowAssigner.Tumbling("Window", 1_000), domain: TimeDomain.ProcessingTime));
        harness.Process("a", "x", timestamp: 123_456); // the record's own time is ignored: the clock says 0
        harness.AdvanceProcessingTime(TimeSpan.FromMilliseconds(400));
        harness.Process("a", "x", timestamp: 0);
        harness.Watermark(long.MaxValue); // a watermark fires nothing in processing time
        Assert.Empty(harness.Output);

        harness.AdvanceProcessingTime(TimeSpan.FromMilliseconds(599)); // now 999: records of this millisecond may still come
        harness.Process("a", "x", 0);
        Assert.Empty(harness.Output);
        harness.AdvanceProcessingTime(TimeSpan.FromMilliseconds(1)); // now 1000: the window is over
        Assert.Equal(["a [0, 1000) 3"], harness.Output);
        harness.Process("a", "x", 0); // the next window
        harness.AdvanceProcessingTime(TimeSpan.FromMilliseconds(1_000));
        Assert.Equal(["a [0, 1000) 3", "a [1000, 2000) 1"], harness.Output);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 3)]
    [InlineData(4, 2)]
    public void Open_windows_restore_rescaled_and_fire_once_each_with_their_whole_count(int before, int after)
    {
        WindowAssigner assigner = WindowAssigner.Session("Window", 100);
        var snapshots = new List<TaskStateSnapshot>();
        var fired = new List<string>();
        for (int s = 0; s < before; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, before, MaxParallelism);
            using var old = new WindowOperatorHarness<string, long, string>(Counting(assigner), range);
            foreach ((string key, long time) in Events().Where(e => range.Contains(GroupOf(e.Key)) && e.Time < 1_000))
            {
                old.Process(key, "x", time);
            }
            old.Watermark(500);
            fired.AddRange(old.Output); // fired before the checkpoint
            snapshots.Add(old.Snapshot(before));
        }
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, snapshots);
        for (int s = 0; s < after; s++)
        {
            KeyGroupRange range = KeyGroups.RangeOf(s, after, MaxParallelism);
            using var fresh = new WindowOperatorHarness<string, long, string>(Counting(assigner), range);
            fresh.Restore(restored, watermark: 500);
            foreach ((string key, long time) in Events().Where(e => range.Contains(GroupOf(e.Key)) && e.Time >= 1_000))
            {
                fresh.Process(key, "x", time);
            }
            fresh.Watermark(long.MaxValue);
            fired.AddRange(fresh.Output);
        }
        Assert.Equal(SessionReference(Events(), 100).Order(), fired.Order());
    }

    [Fact]
    public void A_late_record_after_a_restore_that_lowered_the_watermark_still_fires_its_window_again()
    {
        WindowOperator<string, string, long, string> counting = Counting(WindowAssigner.Tumbling("Window", 1_000), latenessMs: 5_000);
        using var old = new WindowOperatorHarness<string, long, string>(counting);
        old.Process("a", "x", 100);
        old.Watermark(1_500); // fired; kept until 5999 for late records
        Assert.Equal(["a [0, 1000) 1"], old.Output);
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, [old.Snapshot(1)]);

        using var fresh = new WindowOperatorHarness<string, long, string>(counting);
        fresh.Restore(restored, watermark: 800); // another old subtask was only at 800: the minimum restarts there
        fresh.Process("a", "late", 500); // the failed run would have fired [0, 1000) again at once
        fresh.Watermark(999);
        fresh.Watermark(long.MaxValue);

        Assert.Equal(["a [0, 1000) 2"], fresh.Output); // fired again, once, with the late record counted
    }

    [Fact]
    public void Adding_to_open_windows_allocates_nothing_per_record()
    {
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(WindowAssigner.Sliding("Window", 10_000, 1_000)));
        string[] keys = [.. Enumerable.Range(0, 16).Select(k => $"key-{k}")];
        for (int i = 0; i < 2_000; i++)
        {
            harness.Process(keys[i % keys.Length], "x", 5_000 + i % 500); // warm: windows, timers and maps exist
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20_000; i++)
        {
            harness.Process(keys[i % keys.Length], "x", 5_000 + i % 500);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1_024, $"{allocated} bytes allocated over 20 000 records in 10 windows each");
    }

    [Theory]
    [InlineData(0, 1_000, 0, false)]
    [InlineData(1, 3_000, 500, false)]
    [InlineData(2, 0, 0, false)] // sessions, gap 300
    [InlineData(3, 1_000, 0, true)] // windows and timers in RocksDB
    [InlineData(4, 0, 0, true)]
    public void Results_equal_an_in_memory_reference_for_random_out_of_orderness_within_the_bound(int seedOffset, long size, long slide,
        bool rocksDb)
    {
        int seed = 4_417 + seedOffset;
        const long Bound = 250;
        var random = new Random(seed);
        List<(string Key, long Time)> events = [];
        long now = 0;
        for (int i = 0; i < 3_000; i++)
        {
            now += random.Next(0, 40);
            events.Add(($"key-{random.Next(20)}", Math.Max(0, now - random.Next(0, (int)Bound + 1))));
        }
        WindowAssigner assigner = size == 0 ? WindowAssigner.Session("Window", 300)
            : slide == 0 ? WindowAssigner.Tumbling("Window", size) : WindowAssigner.Sliding("Window", size, slide);
        using var harness = new WindowOperatorHarness<string, long, string>(Counting(assigner),
            backend: rocksDb ? new StateBackendOptions { Kind = StateBackendKind.RocksDb } : null);
        long highest = long.MinValue;
        for (int i = 0; i < events.Count; i++)
        {
            harness.Process(events[i].Key, "x", events[i].Time);
            highest = Math.Max(highest, events[i].Time);
            if (i % 50 == 49)
            {
                // The bounded-out-of-orderness strategy, so nothing is late; for sessions one gap further behind, since a
                // record at the watermark + 1 would touch a session that fired at it and the reference would join them.
                harness.Watermark(highest - Bound - 1 - (size == 0 ? 300 : 0));
            }
        }
        harness.Watermark(long.MaxValue);

        List<string> expected = size == 0 ? SessionReference(events, 300) : FixedReference(events, size, slide == 0 ? size : slide);
        Assert.True(expected.Order().SequenceEqual(harness.Output.Order()), $"seed {seed}: results differ from the reference");
        Assert.Equal(0, harness.Operator.LateRecordsDropped);
    }

    /// <summary>Deterministic events for 40 keys over 0..2000 ms.</summary>
    private static List<(string Key, long Time)> Events() =>
        [.. Enumerable.Range(0, 800).Select(i => ($"key-{i % 40}", (long)(i * 37 % 2_000)))];

    private static List<string> FixedReference(List<(string Key, long Time)> events, long size, long slide)
    {
        var counts = new Dictionary<(string, TimeWindow), long>();
        foreach ((string key, long time) in events)
        {
            for (long start = time - ((time % slide) + slide) % slide; start > time - size; start -= slide)
            {
                var window = new TimeWindow(start, start + size);
                counts[(key, window)] = counts.GetValueOrDefault((key, window)) + 1;
            }
        }
        return [.. counts.Select(c => Result(c.Key.Item1, c.Key.Item2, c.Value))];
    }

    private static List<string> SessionReference(List<(string Key, long Time)> events, long gap)
    {
        var results = new List<string>();
        foreach (IGrouping<string, long> key in events.GroupBy(e => e.Key, e => e.Time))
        {
            long[] times = [.. key.Order()];
            int first = 0;
            for (int i = 1; i <= times.Length; i++)
            {
                if (i == times.Length || times[i] > times[i - 1] + gap)
                {
                    results.Add(Result(key.Key, new TimeWindow(times[first], times[i - 1] + gap), i - first));
                    first = i;
                }
            }
        }
        return results;
    }
}
