using DslFlow.Channels;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Time;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>A task's input watermark over real channels: in order with the records, the minimum over active channels.</summary>
public sealed class TaskWatermarkTests
{
    private static readonly PipelineOptions Options = new() { BufferSize = 4, ExclusiveCreditsPerChannel = 8, FloatingCreditsPerGate = 8 };

    [Fact]
    public async Task Watermarks_follow_the_records_sent_before_them_and_the_minimum_over_channels_wins()
    {
        using var probe = new StandaloneProbe(channels: 2, Options);
        InputChannel<long> a = probe.Gate.Channels[0], b = probe.Gate.Channels[1];
        // Everything is queued before the task starts, so it takes the channels' entries round-robin in a known order.

        a.Send([1, 2, 3], 3);
        a.SendEvent(new Watermark(100));
        b.Send([4], 1);
        b.SendEvent(new Watermark(50)); // the minimum: 50 once both spoke
        a.SendEvent(new Watermark(200));
        b.SendEvent(WatermarkStatus.Idle); // b stops holding it back: 200
        a.Send([5], 1);
        a.SendEvent(EndOfInput.Instance); // a ends: the maximum, since b is idle
        b.SendEvent(EndOfInput.Instance);
        probe.Start();
        await probe.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        (long Watermark, long RecordsBefore)[] seen = [.. probe.Task.Watermarks];
        Assert.Equal([50L, 200L, long.MaxValue], seen.Select(w => w.Watermark));
        Assert.Equal(4, seen[0].RecordsBefore); // a's three and b's one
        Assert.Equal(5, seen[2].RecordsBefore); // the maximum after every record
        Assert.Equal(long.MaxValue, probe.Task.CurrentInputWatermark);
    }

    [Fact]
    public async Task Without_watermarks_upstream_the_task_has_no_event_time_to_pass_on()
    {
        using var probe = new StandaloneProbe(channels: 2, Options);
        probe.Start();
        probe.Gate.Channels[0].Send([1, 2], 2);
        probe.Gate.Channels[0].SendEvent(EndOfInput.Instance);
        probe.Gate.Channels[1].SendEvent(EndOfInput.Instance);
        await probe.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        // The end of every input is the maximum watermark, so event-time timers fire (as in Flink); with no watermark
        // upstream the task has no event time to report or pass on.
        Assert.Equal([(long.MaxValue, 2L)], probe.Task.Watermarks);
        Assert.Equal(long.MaxValue, probe.Task.CurrentInputWatermark);
        Assert.Null(probe.Task.InputWatermark);
    }
}
