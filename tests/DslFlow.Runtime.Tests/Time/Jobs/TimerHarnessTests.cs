using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>
/// The generated task of a keyed node with timers, driven by hand (<see cref="TaskHarness{TIn}"/>): records, watermarks
/// and processing time step by step, so each assertion sees exactly what fired and when.
/// </summary>
public sealed class TimerHarnessTests : IDisposable
{
    private const long Start = 1_700_000_000_000;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(Start));
    private readonly List<IDisposable> _harnesses = [];

    public TimerHarnessTests()
    {
        SessionTimeoutPipeline.Output = new RecordingSink<string>();
        SessionTimeoutPipeline.FailFor = null;
    }

    private TaskHarness<Click> Harness(RestoredCheckpoint? restored = null, int subtask = 0, int parallelism = 1)
    {
        var harness = new TaskHarness<Click>(SessionTimeoutPipeline.Graph, SessionTimeoutPipeline.__BuildJob, "Track+Out", _time, restored, subtask, parallelism);
        _harnesses.Add(harness);
        return harness;
    }

    private static IReadOnlyList<string> Output => SessionTimeoutPipeline.Output.Records;

    [Fact]
    public async Task Processing_time_timers_fire_when_the_clock_reaches_them_and_a_deleted_one_never()
    {
        TaskHarness<Click> harness = Harness();
        harness.Process(new Click("ada", 10));
        await harness.SettleAsync();
        Assert.Equal(2, harness.TimersPending); // the session deadline and the event-time timer

        await harness.AdvanceProcessingTimeAsync(TimeSpan.FromMilliseconds(600));
        harness.Process(new Click("ada", 20)); // moves the deadline to Start + 1600, deleting the one at Start + 1000
        await harness.SettleAsync();
        await harness.AdvanceProcessingTimeAsync(TimeSpan.FromMilliseconds(999)); // Start + 1599: not yet
        Assert.Empty(Output);

        await harness.AdvanceProcessingTimeAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal([$"ada: session of 2 clicks ended at {Start + 1_600}"], Output);
        Assert.Equal(2, harness.TimersPending); // the event-time timers of both clicks wait for a watermark
    }

    [Fact]
    public async Task Event_time_timers_fire_in_time_order_once_the_watermark_reaches_them()
    {
        TaskHarness<Click> harness = Harness();
        harness.Process(new Click("b", 300), new Click("a", 100), new Click("c", 200), new Click("a", 100));
        harness.Watermark(599);
        await harness.SettleAsync();
        Assert.Empty(EventTimeOutput()); // never early: the first timer is at 600
        harness.Watermark(600);
        await harness.SettleAsync();
        Assert.Equal(["a: event time passed 600"], EventTimeOutput()); // a's two clicks share one timer

        harness.Watermark(450); // watermarks never go back
        harness.Watermark(700);
        await harness.SettleAsync();
        Assert.Equal(["a: event time passed 600", "c: event time passed 700"], EventTimeOutput());
        Assert.Equal(700, harness.Task.CurrentInputWatermark);
        Assert.Equal(700, harness.Task.InputWatermark);

        harness.EndInput(); // the maximum watermark: every event-time timer, never the processing-time ones
        await harness.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["a: event time passed 600", "c: event time passed 700", "b: event time passed 800"], EventTimeOutput());
        Assert.DoesNotContain(Output, o => o.Contains("session"));
    }

    [Fact]
    public async Task Pending_timers_restore_from_a_snapshot_into_the_subtasks_that_own_their_keys()
    {
        TaskHarness<Click> before = Harness();
        string[] users = [.. Enumerable.Range(0, 40).Select(i => $"user{i}")];
        before.Process([.. users.Select((u, i) => new Click(u, i * 10))]);
        before.Watermark(600); // fires the event-time timers of the first eleven users (at 500..600)
        await before.SettleAsync();
        Assert.Equal(11, EventTimeOutput().Count);
        TaskStateSnapshot snapshot = await before.SnapshotAsync(1);
        before.Dispose();

        // Rescaled to two subtasks: each restores the timers of the key groups it owns now.
        RestoredCheckpoint checkpoint = RestoredCheckpoint.FromSnapshots(1, [snapshot]);
        TaskHarness<Click>[] after = [Harness(checkpoint, 0, 2), Harness(RestoredCheckpoint.FromSnapshots(1, [snapshot]), 1, 2)];
        await Task.WhenAll(after.Select(h => h.SettleAsync()));
        Assert.Equal(69, after.Sum(h => h.TimersPending)); // 40 session deadlines and 29 event-time timers
        Assert.All(after, h => Assert.True(h.TimersPending > 0));

        // Processing time passed while the job was down: the restored deadlines are due at once.
        _time.Advance(TimeSpan.FromSeconds(5));
        foreach (TaskHarness<Click> harness in after)
        {
            harness.Watermark(long.MaxValue - 1);
            await harness.AdvanceProcessingTimeAsync(TimeSpan.Zero);
        }
        Assert.Equal(users.Select(u => $"{u}: session of 1 clicks ended at {Start + 1_000}").Order(), Output.Where(o => o.Contains("session")).Order());
        Assert.Equal(40, EventTimeOutput().Count); // eleven before the snapshot, the other 29 after, none twice
        Assert.Equal(40, EventTimeOutput().Distinct().Count());
        Assert.All(after, h => Assert.Equal(0, h.TimersPending));
    }

    [Fact]
    public async Task After_a_restore_event_time_starts_where_it_was_not_at_the_minimum()
    {
        TaskHarness<Click> before = Harness();
        before.Process(new Click("early", 100), new Click("late", 400)); // event-time timers at 600 and 900
        before.Watermark(700); // fires "early"
        await before.SettleAsync();
        Assert.Equal(["early: event time passed 600"], EventTimeOutput());
        TaskStateSnapshot snapshot = await before.SnapshotAsync(1);
        before.Dispose();

        TaskHarness<Click> after = Harness(RestoredCheckpoint.FromSnapshots(1, [snapshot]));
        // The sources start event time over after a restore: the first watermark is behind the one before the failure.
        // A record at 50 (timer at 550) is behind the restored event time (700): as before the failure, its timer is due at
        // the next watermark, whatever that watermark says; the restored timer at 900 waits for event time to pass 900.
        after.Process(new Click("behind", 50));
        after.Watermark(300);
        await after.SettleAsync();
        Assert.Equal(["early: event time passed 600", "behind: event time passed 550"], EventTimeOutput());
        after.Watermark(900);
        await after.SettleAsync();
        Assert.Equal(["early: event time passed 600", "behind: event time passed 550", "late: event time passed 900"], EventTimeOutput());
    }

    [Fact]
    public async Task A_failing_handler_fails_the_task_naming_the_node_and_the_timer()
    {
        SessionTimeoutPipeline.FailFor = "ada";
        TaskHarness<Click> harness = Harness();
        harness.Process(new Click("ada", 10));
        harness.Watermark(1_000);
        var error = await Assert.ThrowsAsync<PipelineExecutionException>(() => harness.Task.Completion.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("Track", error.Message);
        Assert.Contains("event-time timer at 510 for key \"ada\"", error.Message);
        Assert.Equal("the handler failed on purpose", error.InnerException!.Message);
    }

    private static List<string> EventTimeOutput() => [.. Output.Where(o => o.Contains("event time"))];

    public void Dispose()
    {
        foreach (IDisposable harness in _harnesses)
        {
            harness.Dispose();
        }
    }
}
