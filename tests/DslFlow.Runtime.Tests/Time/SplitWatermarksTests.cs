using DslFlow.Time;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>Per-split watermarks of a source subtask: bounded out-of-orderness, idleness, end of input.</summary>
public sealed class SplitWatermarksTests
{
    private readonly RecordingWatermarkOutput _output = new();
    private readonly FakeTimeProvider _time = new();

    private SplitWatermarks Create(TimeSpan? idle = null) =>
        new(new WatermarkStrategy { OutOfOrderness = TimeSpan.FromMilliseconds(100), IdleTimeout = idle }, "Source 'Orders'", _time, _output);

    [Fact]
    public void The_watermark_trails_the_highest_timestamp_by_the_bound_and_one_millisecond()
    {
        SplitWatermarks watermarks = Create();
        SplitWatermarks.Split split = watermarks.AddSplit();
        split.OnRecord(1_000);
        split.OnRecord(1_500);
        split.OnRecord(1_200); // out of order, within the bound: does not move the watermark back
        watermarks.EmitPeriodic();
        Assert.Equal(["W(1399)"], _output.Take());
        watermarks.EmitPeriodic(); // nothing new
        Assert.Empty(_output.Take());
    }

    [Fact]
    public void A_lagging_split_holds_the_watermark_back_and_a_split_without_records_holds_it_at_the_start()
    {
        SplitWatermarks watermarks = Create();
        SplitWatermarks.Split fast = watermarks.AddSplit();
        SplitWatermarks.Split slow = watermarks.AddSplit();
        fast.OnRecord(5_000);
        watermarks.EmitPeriodic();
        Assert.Empty(_output.Take()); // the slow split has read nothing yet
        slow.OnRecord(2_000);
        watermarks.EmitPeriodic();
        Assert.Equal(["W(1899)"], _output.Take());
        watermarks.RemoveSplit(slow); // it ended
        watermarks.EmitPeriodic();
        Assert.Equal(["W(4899)"], _output.Take());
    }

    [Fact]
    public void A_split_without_records_for_the_idle_timeout_stops_holding_the_watermark_back()
    {
        SplitWatermarks watermarks = Create(idle: TimeSpan.FromSeconds(1));
        SplitWatermarks.Split busy = watermarks.AddSplit();
        SplitWatermarks.Split quiet = watermarks.AddSplit();
        quiet.OnRecord(1_000);
        busy.OnRecord(3_000);
        watermarks.EmitPeriodic();
        Assert.Equal(["W(899)"], _output.Take());

        _time.Advance(TimeSpan.FromMilliseconds(600));
        busy.OnRecord(4_000);
        watermarks.EmitPeriodic(); // quiet's inactivity starts being timed here
        Assert.Empty(_output.Take());
        _time.Advance(TimeSpan.FromMilliseconds(999));
        busy.OnRecord(4_100);
        watermarks.EmitPeriodic();
        Assert.Empty(_output.Take()); // 999 ms < 1 s
        _time.Advance(TimeSpan.FromMilliseconds(1));
        busy.OnRecord(4_200);
        watermarks.EmitPeriodic();
        Assert.Equal(["W(4099)"], _output.Take());

        quiet.OnRecord(1_100); // active again, behind: the output does not go back
        watermarks.EmitPeriodic();
        Assert.Empty(_output.Take());
        Assert.Equal(4_099, watermarks.Current);
    }

    [Fact]
    public void Nothing_follows_the_end_of_input()
    {
        SplitWatermarks watermarks = Create(idle: TimeSpan.FromMilliseconds(1));
        SplitWatermarks.Split split = watermarks.AddSplit();
        split.OnRecord(5_000);
        watermarks.EndOfInput();
        Assert.Equal(["W(max)"], _output.Take());
        _time.Advance(TimeSpan.FromSeconds(5));
        watermarks.EmitPeriodic(); // a periodic mail queued before the end: no idle status after the maximum
        watermarks.EmitPeriodic();
        Assert.Empty(_output.Take());
    }

    [Fact]
    public void A_backpressured_source_never_goes_idle()
    {
        SplitWatermarks watermarks = Create(idle: TimeSpan.FromSeconds(1));
        SplitWatermarks.Split split = watermarks.AddSplit();
        split.OnRecord(10_000);
        watermarks.EmitPeriodic();
        Assert.Equal(["W(9899)"], _output.Take());
        for (int i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(200)); // four seconds without a record going out...
            watermarks.EmitPeriodic(backpressured: true); // ...because the pipeline cannot take them
        }
        Assert.Empty(_output.Take());
        Assert.False(watermarks.IsIdle);
        _time.Advance(TimeSpan.FromMilliseconds(200));
        watermarks.EmitPeriodic(); // the backpressure ended and no record came: idleness counts from here
        _time.Advance(TimeSpan.FromSeconds(1));
        watermarks.EmitPeriodic();
        Assert.Equal(["idle"], _output.Take());
    }

    [Fact]
    public void With_every_split_idle_the_source_goes_idle_until_a_record_arrives()
    {
        SplitWatermarks watermarks = Create(idle: TimeSpan.FromSeconds(1));
        SplitWatermarks.Split split = watermarks.AddSplit();
        split.OnRecord(10_000);
        watermarks.EmitPeriodic();
        _time.Advance(TimeSpan.FromSeconds(1));
        watermarks.EmitPeriodic();
        _time.Advance(TimeSpan.FromSeconds(1));
        watermarks.EmitPeriodic();
        watermarks.EmitPeriodic();
        Assert.Equal(["W(9899)", "idle"], _output.Take());
        Assert.True(watermarks.IsIdle);

        split.OnRecord(12_000);
        watermarks.EmitPeriodic();
        Assert.Equal(["active", "W(11899)"], _output.Take());
    }

    [Fact]
    public void End_of_input_emits_the_maximum_watermark_once()
    {
        SplitWatermarks watermarks = Create(idle: TimeSpan.FromSeconds(1));
        watermarks.EmitPeriodic(); // no split: idle
        watermarks.EndOfInput();
        watermarks.EndOfInput();
        Assert.Equal(["idle", "active", "W(max)"], _output.Take());
    }

    [Fact]
    public void Timestamps_near_the_minimum_do_not_overflow()
    {
        SplitWatermarks watermarks = Create();
        watermarks.AddSplit().OnRecord(long.MinValue + 5);
        watermarks.EmitPeriodic();
        Assert.Empty(_output.Take());
        Assert.Equal(long.MinValue, watermarks.Current);
    }

    [Theory]
    [InlineData(0, null, 200, "OutOfOrderness = 00:00:00")]
    [InlineData(-5, null, 200, "OutOfOrderness = -00:00:00.0050000")]
    [InlineData(100, 0, 200, "IdleTimeout = 00:00:00")]
    [InlineData(100, null, 0, "EmitInterval = 00:00:00")]
    public void A_strategy_with_a_duration_that_is_not_positive_is_refused_naming_it(int outOfOrderness, int? idle, int interval, string named)
    {
        var strategy = new WatermarkStrategy
        {
            OutOfOrderness = TimeSpan.FromMilliseconds(outOfOrderness),
            IdleTimeout = idle is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            EmitInterval = TimeSpan.FromMilliseconds(interval),
        };
        var error = Assert.Throws<JobConfigurationException>(() => new SplitWatermarks(strategy, "source 'Orders'", _time, _output));
        Assert.Contains("The watermark strategy of source 'Orders' has " + named, error.Message);
        Assert.Contains("must be positive", error.Message);
    }
}
