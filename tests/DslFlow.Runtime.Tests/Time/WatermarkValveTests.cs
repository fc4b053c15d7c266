using DslFlow.Time;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>The input watermark of a task over its channels, after the cases of Flink's <c>StatusWatermarkValveTest</c>.</summary>
public sealed class WatermarkValveTests
{
    private readonly RecordingWatermarkOutput _output = new();

    [Fact]
    public void One_channel_forwards_every_advance_and_nothing_else()
    {
        var valve = new WatermarkValve(1, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(0, 10); // no advance
        valve.OnWatermark(0, 7); // behind
        valve.OnWatermark(0, 25);
        Assert.Equal(["W(10)", "W(25)"], _output.Take());
        Assert.Equal(25, valve.Current);
    }

    [Fact]
    public void The_input_watermark_is_the_minimum_over_the_channels()
    {
        var valve = new WatermarkValve(3, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(1, 5);
        Assert.Empty(_output.Take()); // channel 2 has said nothing yet: it holds event time back
        valve.OnWatermark(2, 7);
        Assert.Equal(["W(5)"], _output.Take());
        valve.OnWatermark(1, 20);
        Assert.Equal(["W(7)"], _output.Take());
        valve.OnWatermark(2, 30);
        Assert.Equal(["W(10)"], _output.Take());
        valve.OnWatermark(0, 40);
        Assert.Equal(["W(20)"], _output.Take());
    }

    [Fact]
    public void An_idle_channel_does_not_hold_the_watermark_back()
    {
        var valve = new WatermarkValve(2, _output);
        valve.OnWatermark(0, 10);
        valve.OnStatus(1, idle: true);
        Assert.Equal(["W(10)"], _output.Take());
        valve.OnWatermark(0, 15);
        Assert.Equal(["W(15)"], _output.Take());
        valve.OnWatermark(1, 100); // an idle channel's watermark is ignored: its sender announces activity first
        Assert.Empty(_output.Take());
    }

    [Fact]
    public void A_channel_active_again_behind_the_output_joins_the_minimum_only_once_it_caught_up()
    {
        var valve = new WatermarkValve(2, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(1, 3);
        valve.OnStatus(1, idle: true);
        valve.OnWatermark(0, 20);
        Assert.Equal(["W(3)", "W(10)", "W(20)"], _output.Take());

        valve.OnStatus(1, idle: false);
        valve.OnWatermark(1, 12); // still behind 20: the output never goes back
        valve.OnWatermark(0, 30);
        Assert.Equal(["W(30)"], _output.Take()); // channel 1 is not aligned yet, so it does not hold 30 back
        valve.OnWatermark(1, 31); // caught up: aligned again
        valve.OnWatermark(0, 50);
        Assert.Equal(["W(31)"], _output.Take());
    }

    [Fact]
    public void When_every_channel_is_idle_the_valve_flushes_the_highest_watermark_and_goes_idle()
    {
        var valve = new WatermarkValve(2, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(1, 25);
        valve.OnStatus(1, idle: true);
        valve.OnStatus(0, idle: true);
        Assert.Equal(["W(10)", "W(25)", "idle"], _output.Take());
        Assert.True(valve.IsIdle);

        valve.OnStatus(0, idle: false);
        Assert.Equal(["active"], _output.Take());
        valve.OnWatermark(0, 20); // behind the flushed 25
        Assert.Empty(_output.Take());
        valve.OnWatermark(0, 26);
        Assert.Equal(["W(26)"], _output.Take());
    }

    [Fact]
    public void A_channel_that_goes_idle_while_ahead_leaves_the_minimum_to_the_others()
    {
        var valve = new WatermarkValve(3, _output);
        valve.OnWatermark(0, 5);
        valve.OnWatermark(1, 8);
        valve.OnWatermark(2, 9);
        Assert.Equal(["W(5)"], _output.Take());
        valve.OnStatus(1, idle: true); // not the one holding the minimum: nothing changes
        Assert.Empty(_output.Take());
        valve.OnStatus(0, idle: true); // it was: the minimum of the rest
        Assert.Equal(["W(9)"], _output.Take());
    }

    [Fact]
    public void End_of_input_holds_nothing_back_but_never_outvotes_an_idle_channel()
    {
        var valve = new WatermarkValve(2, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(1, 20);
        Assert.Equal(["W(10)"], _output.Take());
        valve.OnEndOfInput(0);
        Assert.Equal(["W(20)"], _output.Take()); // channel 1 alone decides now
        valve.OnStatus(1, idle: true);
        // The idle channel may send records again: its highest watermark is flushed, not the maximum, which would make
        // its next records late and fire every timer early.
        Assert.Equal(["idle"], _output.Take());
        Assert.True(valve.IsIdle);
        valve.OnStatus(1, idle: false);
        valve.OnWatermark(1, 30);
        Assert.Equal(["active", "W(30)"], _output.Take());
        valve.OnEndOfInput(1);
        Assert.Equal(["W(max)"], _output.Take()); // every channel ended

        var other = new WatermarkValve(1, _output);
        other.OnStatus(0, idle: true);
        other.OnEndOfInput(0);
        Assert.Equal(["idle", "active", "W(max)"], _output.Take());
    }

    [Fact]
    public void A_maximum_watermark_ends_its_channel_and_does_not_outvote_an_idle_one()
    {
        // Sources send the maximum just before their end of input: it must count as the end, not as a watermark.
        var valve = new WatermarkValve(2, _output);
        valve.OnWatermark(0, 10);
        valve.OnWatermark(1, 20);
        valve.OnStatus(1, idle: true);
        Assert.Equal(["W(10)"], _output.Take());
        valve.OnWatermark(0, long.MaxValue);
        Assert.Equal(["W(20)", "idle"], _output.Take()); // the idle channel's highest, never the maximum
        valve.OnEndOfInput(0); // the end of input after it changes nothing
        Assert.Empty(_output.Take());
        valve.OnStatus(1, idle: false);
        valve.OnWatermark(1, long.MaxValue);
        Assert.Equal(["active", "W(max)"], _output.Take());
    }

    [Fact]
    public void A_channel_ending_while_the_others_are_idle_flushes_their_highest_watermark()
    {
        var valve = new WatermarkValve(3, _output);
        valve.OnWatermark(0, 5);
        valve.OnWatermark(1, 15);
        valve.OnWatermark(2, 25);
        Assert.Equal(["W(5)"], _output.Take());
        valve.OnStatus(1, idle: true);
        valve.OnStatus(2, idle: true);
        Assert.Empty(_output.Take()); // channel 0 still holds it at 5
        valve.OnEndOfInput(0);
        Assert.Equal(["W(25)", "idle"], _output.Take());
        valve.OnEndOfInput(1);
        Assert.Empty(_output.Take()); // channel 2 is open, idle
        valve.OnEndOfInput(2);
        Assert.Equal(["active", "W(max)"], _output.Take());
    }
}
