using System.Collections.Concurrent;
using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing;

/// <summary>
/// A source subtask whose input ended, driven checkpoint by checkpoint, with its one output channel read by the test:
/// under unaligned checkpoints it stays in the barrier protocol until the receiver took its end of input — it sends each
/// checkpoint's barrier ahead of what it queued (in order under the aligned timeout), once per checkpoint — and only a
/// checkpoint taken after that is its final one. Aligned checkpoints keep the old behaviour: no barrier, first one final.
/// </summary>
public class FinishedTaskBarrierTests
{
    private const int Records = 20;

    [Fact]
    public async Task Under_unaligned_checkpoints_a_finished_task_sends_a_priority_barrier_that_overtakes_its_queued_records_and_end_of_input()
    {
        using var source = new FinishedSource(unaligned: true, alignedTimeout: null);
        source.Task.TriggerFinalSnapshot(Barrier(1));
        source.Task.TriggerFinalSnapshot(Barrier(1)); // handed over twice (pending at its end, and triggered): one barrier
        Eventually.True(() => source.Acknowledged.Contains(1), "checkpoint 1 is acknowledged");

        Assert.True(source.Gate.TryTakePriority(out ChannelEntry<long> priority, out _));
        Assert.Equal(1, Assert.IsType<CheckpointBarrier>(priority.Event).CheckpointId);
        Assert.False(source.Gate.TryTakePriority(out _, out _));
        Assert.Equal(Enumerable.Range(0, Records).Select(i => (long)i),
            source.Gate.ListQueuedBuffers(0, priority.Sequence).SelectMany(b => b.Records)); // everything it sent was overtaken
        Assert.False(source.Task.HasFinalSnapshot); // the receiver has not processed its records: it stays in the protocol

        List<ChannelEntry<long>> rest = source.TakeAll();
        Assert.IsType<EndOfInput>(rest[^1].Event);
        Assert.True(rest[^1].Sequence < priority.Sequence, "the barrier overtook the end of input");

        source.Task.TriggerFinalSnapshot(Barrier(2)); // the receiver took the end of input: this one is final
        Eventually.True(() => source.Acknowledged.Contains(2), "checkpoint 2 is acknowledged");
        Assert.True(source.Task.HasFinalSnapshot);
        Assert.False(source.Gate.TryTakePriority(out _, out _)); // a drained channel gets no barrier
        Assert.Empty(source.TakeAll());

        source.Task.NotifyCheckpointComplete(1);
        source.RunMail();
        Assert.False(source.Task.IsFinished); // checkpoint 1 does not cover its final state
        source.Task.NotifyCheckpointComplete(2);
        await source.Task.Completion.WaitAsync(TimeSpan.FromSeconds(20)); // the task ends when its final checkpoint completes
    }

    [Fact]
    public void Under_the_aligned_timeout_a_finished_task_sends_the_barrier_in_order_behind_its_end_of_input()
    {
        using var source = new FinishedSource(unaligned: true, alignedTimeout: TimeSpan.FromHours(1));
        source.Task.TriggerFinalSnapshot(Barrier(1));
        Eventually.True(() => source.Acknowledged.Contains(1), "checkpoint 1 is acknowledged");

        Assert.False(source.Gate.TryTakePriority(out _, out _)); // aligned first: the receiver promotes it when its timeout elapses
        List<ChannelEntry<long>> entries = source.TakeAll();
        Assert.Equal(Records, entries.Where(e => e.IsBuffer).Sum(e => e.Count));
        Assert.Equal(["EndOfInput", "Barrier(1)"], entries.Where(e => !e.IsBuffer).Select(e => e.Event!.ToString()));
        Assert.False(source.Task.HasFinalSnapshot);

        source.Task.TriggerFinalSnapshot(Barrier(2));
        Eventually.True(() => source.Acknowledged.Contains(2), "checkpoint 2 is acknowledged");
        Assert.True(source.Task.HasFinalSnapshot);
        Assert.Empty(source.TakeAll());
    }

    [Fact]
    public void Under_aligned_checkpoints_a_finished_task_sends_no_barrier_and_its_first_checkpoint_is_final()
    {
        using var source = new FinishedSource(unaligned: false, alignedTimeout: null);
        source.Task.TriggerFinalSnapshot(Barrier(1));
        Eventually.True(() => source.Acknowledged.Contains(1), "checkpoint 1 is acknowledged");

        Assert.True(source.Task.HasFinalSnapshot); // receivers align on the end of input: nothing to overtake
        Assert.False(source.Gate.TryTakePriority(out _, out _));
        Assert.Equal(["EndOfInput"], source.TakeAll().Where(e => !e.IsBuffer).Select(e => e.Event!.ToString()));
    }

    private static CheckpointBarrier Barrier(long id) => new(id, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>A source subtask of <see cref="Records"/> records into one channel the test reads; started, and waiting once its input ended.</summary>
    private sealed class FinishedSource : IDisposable
    {
        private readonly DedicatedThreadScheduler _thread = new("DslFlow test source");
        private readonly CancellationTokenSource _cancellation = new();
        private readonly RecordingResponder _responder = new();

        public FinishedSource(bool unaligned, TimeSpan? alignedTimeout)
        {
            var options = new PipelineOptions { BufferSize = 4, ExclusiveCreditsPerChannel = 8, FloatingCreditsPerGate = 0 };
            var graph = new JobGraph("Finished", 1, 128,
                [new NodeInfo("S", NodeKind.Source, null, "long", 0, null, []), new NodeInfo("R", NodeKind.Map, "long", "long", 0, null, [])],
                [new EdgeInfo("S", "R", EdgePartitioning.Hash, false)],
                [new ChainInfo("S", ["S"]), new ChainInfo("R", ["R"])]);
            Gate = new InputGate<long>(1, options.ExclusiveCreditsPerChannel, options.FloatingCreditsPerGate, options.BufferSize);
            CheckpointAlignment alignment = !unaligned ? CheckpointAlignment.Aligned
                : alignedTimeout is { } timeout ? CheckpointAlignment.AlignedThenUnaligned(timeout) : CheckpointAlignment.Unaligned;
            var context = new TaskContext(graph, 0, 0, 1, 128, options, new PipelineContext(options, _cancellation.Token), _cancellation.Token)
            {
                Checkpointing = _responder.For(alignment),
                Outputs = [new OutputSpec(graph.Edges[0], EdgePartitioning.Hash, new OutputChannels<long>([Gate.Channels[0]]), 128)],
            };
            var items = new CollectionSource<long>(Enumerable.Range(0, Records).Select(i => (long)i));
            Task = new ForwardingSourceTask(context, "S", items);
            Task.Start(_thread);
            Assert.True(_responder.InputEnded.Wait(TimeSpan.FromSeconds(20)), "the source ends its input"); // every record fits in the credits
        }

        public ForwardingSourceTask Task { get; }

        /// <summary>The receiving side of the task's output channel.</summary>
        public InputGate<long> Gate { get; }

        public IEnumerable<long> Acknowledged => _responder.Acknowledged.Select(a => a.Id);

        /// <summary>Returns once the mails posted to the task so far have run.</summary>
        public void RunMail()
        {
            using var ran = new ManualResetEventSlim();
            Assert.True(Task.Post(ran.Set), "the task still runs");
            Assert.True(ran.Wait(TimeSpan.FromSeconds(20)), "the task ran its mail");
        }

        /// <summary>Takes what the channel holds in order, as the receiver would.</summary>
        public List<ChannelEntry<long>> TakeAll()
        {
            var entries = new List<ChannelEntry<long>>();
            while (Gate.TryTake(out ChannelEntry<long> entry, out _))
            {
                entries.Add(entry);
            }
            return entries;
        }

        public void Dispose()
        {
            _cancellation.Cancel();
            try
            {
                Task.Completion.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
            }
            _thread.Dispose();
            _cancellation.Dispose();
            _responder.Dispose();
        }
    }
}
