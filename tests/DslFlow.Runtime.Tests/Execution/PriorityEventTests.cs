using DslFlow.Channels;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Channels;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Execution;

public class PriorityEventTests
{
    [Fact]
    public async Task A_priority_event_behind_backpressured_buffers_is_seen_between_records_and_the_overtaken_buffers_are_listed()
    {
        var options = new PipelineOptions { BufferSize = 4, ExclusiveCreditsPerChannel = 2, FloatingCreditsPerGate = 0 };
        using var probe = new StandaloneProbe(channels: 1, options);
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        probe.Task.OnRecord = r =>
        {
            if (r == 0)
            {
                entered.Set();
                release.Wait();
            }
        };
        long processedWhenSeen = -1;
        IReadOnlyList<QueuedBuffer<long>>? overtaken = null;
        probe.Task.OnPriority = (task, _, channel, sequence) =>
        {
            processedWhenSeen = Interlocked.Read(ref task.Processed);
            overtaken = task.Gate.ListQueuedBuffers(channel, sequence);
        };
        probe.Start();

        InputChannel<long> channel = probe.Gate.Channels[0];
        for (int b = 0; b < 4; b++)
        {
            channel.Send([4 * b, 4 * b + 1, 4 * b + 2, 4 * b + 3], 4);
        }
        entered.Wait(TimeSpan.FromSeconds(10));
        Eventually.True(() => channel.HasBacklog, "the sender is backpressured");
        int queued = channel.InFlightBuffers + channel.BacklogBuffers;
        Assert.Equal(3, queued); // buffers 1..3 wait behind buffer 0, which is being processed

        long eventSequence = channel.SendPriorityEvent(new TestEvent("barrier"));
        release.Set();
        channel.SendEvent(EndOfInput.Instance);
        await probe.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, processedWhenSeen); // seen after record 0, not after the whole buffer
        Assert.NotNull(overtaken);
        Assert.Equal([1L, 2L, 3L], overtaken!.Select(b => b.Sequence));
        Assert.Equal(Enumerable.Range(4, 12).Select(i => (long)i), overtaken.SelectMany(b => b.Records));
        Assert.True(overtaken.All(b => b.Sequence < eventSequence));
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), probe.Task.Records); // listing consumed nothing
    }

    [Fact]
    public async Task Changing_a_channels_buffer_size_mid_stream_loses_and_reorders_nothing()
    {
        var options = new PipelineOptions { BufferSize = 100, ExclusiveCreditsPerChannel = 2, FloatingCreditsPerGate = 2 };
        using var probe = new StandaloneProbe(channels: 1, options);
        probe.Start();
        InputChannel<long> channel = probe.Gate.Channels[0];
        var writer = new ChannelWriter<long>(probe.Task, [channel]);

        int[] sizes = [100, 7, 1, 250, 33];
        long next = 0;
        foreach (int size in sizes)
        {
            channel.BufferSize = size;
            for (int i = 0; i < size * 3; i++)
            {
                writer.Emit(next++);
            }
        }
        writer.Finish();
        await probe.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(Enumerable.Range(0, (int)next).Select(i => (long)i), probe.Task.Records);
        Assert.Equal(sizes.SelectMany(s => Enumerable.Repeat(s, 3)), probe.Task.BufferSizes);
    }
}
