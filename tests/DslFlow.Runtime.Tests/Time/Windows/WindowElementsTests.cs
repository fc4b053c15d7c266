using DslFlow.Checkpointing;
using DslFlow.State.Backends;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// Full-window functions (Flink's <c>ProcessWindowFunction</c>) on the window logic: a fired window hands its whole list
/// of records, with its bounds, to a function that may emit several results; sessions that merge join their lists; the
/// lists are keyed state, so they survive a snapshot and restore on the heap and in RocksDB.
/// </summary>
public sealed class WindowElementsTests
{
    /// <summary>Emits the window's size and, for every record, the record: several results per firing.</summary>
    private static void Describe(string key, TimeWindow window, IReadOnlyList<long> elements, Collector<string> output)
    {
        output.Emit($"{key} {window} n={elements.Count}");
        foreach (long element in elements)
        {
            output.Emit($"{key} {window} {element}");
        }
    }

    private static WindowOperator<string, long, List<long>, string> Elements(WindowAssigner assigner, long latenessMs = 0) =>
        new("Window", assigner, TimeDomain.EventTime, latenessMs, WindowElements.Add, WindowElements.Concat, Describe);

    [Fact]
    public void A_fired_window_gets_its_records_in_arrival_order_with_its_bounds_and_emits_several_results()
    {
        using var harness = new WindowOperatorHarness<long, List<long>, string>(Elements(WindowAssigner.Tumbling("Window", 1_000)));
        harness.Process("a", 7, 900);
        harness.Process("a", 3, 100);
        harness.Process("b", 5, 10);
        harness.Process("a", 9, 1_200);

        harness.Watermark(999);

        Assert.Equal(["a [0, 1000) n=2", "a [0, 1000) 7", "a [0, 1000) 3"], harness.Output.Where(o => o.StartsWith('a')));
        Assert.Equal(["b [0, 1000) n=1", "b [0, 1000) 5"], harness.Output.Where(o => o.StartsWith('b')));
        harness.Watermark(long.MaxValue);
        Assert.Equal(["a [1000, 2000) n=1", "a [1000, 2000) 9"], harness.Output.Skip(5));
        Assert.Equal(0, harness.OpenWindows);
    }

    [Fact]
    public void Sessions_that_merge_join_their_records()
    {
        using var harness = new WindowOperatorHarness<long, List<long>, string>(Elements(WindowAssigner.Session("Window", 100)));
        harness.Process("a", 1, 0); // [0, 100)
        harness.Process("a", 2, 180); // [180, 280)
        harness.Process("a", 3, 90); // [90, 190) overlaps both: one session [0, 280)

        harness.Watermark(long.MaxValue);

        Assert.Equal("a [0, 280) n=3", harness.Output[0]);
        Assert.Equal(["1", "2", "3"], harness.Output.Skip(1).Select(o => o.Split(' ')[^1]).Order());
    }

    [Fact]
    public void A_late_record_within_the_lateness_fires_the_window_again_with_every_record_and_one_past_it_goes_to_the_late_output()
    {
        using var harness = new WindowOperatorHarness<long, List<long>, string>(Elements(WindowAssigner.Tumbling("Window", 1_000), latenessMs: 500),
            lateOutput: true);
        harness.Process("a", 1, 100);
        harness.Watermark(1_000);
        harness.Process("a", 2, 200); // within the lateness
        harness.Watermark(1_499); // the window is dropped
        harness.Process("a", 3, 300);

        Assert.Equal(["a [0, 1000) n=1", "a [0, 1000) 1", "a [0, 1000) n=2", "a [0, 1000) 1", "a [0, 1000) 2"], harness.Output);
        Assert.Equal([3L], harness.LateOutput);
        Assert.Equal(1, harness.Operator.LateRecordsEmitted);
        Assert.Equal(0, harness.Operator.LateRecordsDropped);
    }

    [Fact]
    public void A_record_in_a_gap_between_sliding_windows_is_dropped_as_in_no_window_not_sent_to_the_late_output()
    {
        // Slide 1 000, size 400: [0, 400), [1000, 1400), ...; a record at 600 is on time but in no window (DSLF5008).
        using var harness = new WindowOperatorHarness<long, List<long>, string>(Elements(WindowAssigner.Sliding("Window", 400, 1_000)),
            lateOutput: true);
        harness.Process("a", 1, 100);
        harness.Process("a", 2, 600);
        harness.Watermark(2_000);

        Assert.Equal(["a [0, 400) n=1", "a [0, 400) 1"], harness.Output);
        Assert.Empty(harness.LateOutput);
        Assert.Equal(0, harness.Operator.LateRecordsEmitted + harness.Operator.LateRecordsDropped);
    }

    [Fact]
    public void Merged_sessions_list_their_records_sessions_in_time_order_whatever_order_the_state_enumerates_them()
    {
        using var harness = new WindowOperatorHarness<long, List<long>, string>(Elements(WindowAssigner.Session("Window", 100)));
        harness.Process("a", 3, 400); // session [400, 500)
        harness.Process("a", 1, 100); // session [100, 200), stored after the later one
        harness.Process("a", 2, 250); // [250, 350) bridges neither alone...
        harness.Process("a", 4, 190); // ...[190, 290) joins [100, 200) and [250, 350)
        harness.Process("a", 5, 330); // [330, 430) joins that with [400, 500)
        harness.Watermark(1_000);

        // Each merge: the sessions in time order, then the record that bridged them.
        Assert.Equal(["a [100, 500) n=5", "a [100, 500) 1", "a [100, 500) 2", "a [100, 500) 4", "a [100, 500) 3", "a [100, 500) 5"], harness.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Open_windows_keep_their_records_through_a_snapshot_and_restore(bool rocksDb)
    {
        StateBackendOptions? backend = rocksDb ? new StateBackendOptions { Kind = StateBackendKind.RocksDb } : null;
        WindowOperator<string, long, List<long>, string> window = Elements(WindowAssigner.Sliding("Window", 1_000, 500));
        using var old = new WindowOperatorHarness<long, List<long>, string>(window, backend: backend);
        old.Process("a", 1, 100); // [-500, 500) and [0, 1000)
        old.Process("a", 2, 600); // [0, 1000) and [500, 1500)
        old.Watermark(499);
        Assert.Equal(["a [-500, 500) n=1", "a [-500, 500) 1"], old.Output);
        RestoredCheckpoint restored = RestoredCheckpoint.FromSnapshots(1, [old.Snapshot(1)]);

        using var fresh = new WindowOperatorHarness<long, List<long>, string>(window, backend: backend);
        fresh.Restore(restored, watermark: 499);
        fresh.Process("a", 3, 700);
        fresh.Watermark(long.MaxValue);

        Assert.Equal(["a [0, 1000) n=3", "a [0, 1000) 1", "a [0, 1000) 2", "a [0, 1000) 3",
            "a [500, 1500) n=2", "a [500, 1500) 2", "a [500, 1500) 3"], fresh.Output);
    }
}
