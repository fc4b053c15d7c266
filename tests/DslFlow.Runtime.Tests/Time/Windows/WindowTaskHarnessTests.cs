using DslFlow.Runtime.Tests.Support;
using DslFlow.Runtime.Tests.Time.Jobs;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>Clicks counted per user in one-second windows with 500 ms of allowed lateness, for the one-task harness.</summary>
[Pipeline]
public static partial class ClickWindowPipeline
{
    public static RecordingSink<string> Output { get; set; } = new();

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 100)]
    public static CollectionSource<Click> Clicks() => new([]);

    public static long TimeOf(Click click) => click.Time;

    public static string UserOf(Click click) => click.User;

    [Window(nameof(Clicks), KeyBy = nameof(UserOf), SizeMs = 1_000, AllowedLatenessMs = 500, Result = nameof(Emit))]
    public static int Count(Click click, int clicks) => clicks + 1;

    public static string Emit(string user, TimeWindow window, int clicks) => $"{user} {window} {clicks}";

    [Sink(nameof(Count))]
    public static RecordingSink<string> Out() => Output;
}

/// <summary>
/// The generated task of a <c>[Window]</c> node driven by hand: a window fires when the watermark passes its end, fires
/// again for a record within the allowed lateness, and a record later than that is dropped and shows in the task's figures.
/// </summary>
public sealed class WindowTaskHarnessTests : IDisposable
{
    private readonly TaskHarness<Click> _harness;

    public WindowTaskHarnessTests()
    {
        ClickWindowPipeline.Output = new RecordingSink<string>();
        _harness = new TaskHarness<Click>(ClickWindowPipeline.Graph, ClickWindowPipeline.__BuildJob, "Count+Out",
            new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(0)));
    }

    [Fact]
    public async Task A_window_fires_at_its_end_again_within_the_lateness_and_later_records_are_dropped_and_counted()
    {
        _harness.Process(new Click("ada", 100), new Click("bob", 900), new Click("ada", 999));
        _harness.Watermark(998);
        await _harness.SettleAsync();
        Assert.Empty(ClickWindowPipeline.Output.Records);
        Assert.Equal(0, _harness.Task.LateRecordsDroppedForMetrics);

        _harness.Watermark(999);
        await _harness.SettleAsync();
        Assert.Equal(["ada [0, 1000) 2", "bob [0, 1000) 1"], ClickWindowPipeline.Output.Records.Order());

        _harness.Process(new Click("ada", 500)); // late, within the 500 ms lateness: fires again, counted
        await _harness.SettleAsync();
        Assert.Equal("ada [0, 1000) 3", ClickWindowPipeline.Output.Records[^1]);

        _harness.Watermark(1_499); // the lateness is over: the window is dropped
        _harness.Process(new Click("ada", 600), new Click("bob", 10));
        await _harness.SettleAsync();
        Assert.Equal(3, ClickWindowPipeline.Output.Records.Count);
        Assert.Equal(2, _harness.Task.LateRecordsDroppedForMetrics);
        Assert.Equal(0, _harness.TimersPending);
    }

    public void Dispose() => _harness.Dispose();
}

/// <summary>
/// Clicks listed per user in one-second windows by a full-window function, with 500 ms of lateness and a late-records
/// output read by its own sink.
/// </summary>
[Pipeline]
public static partial class ClickListPipeline
{
    public static RecordingSink<string> Output { get; set; } = new();

    public static RecordingSink<Click> Late { get; set; } = new();

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 100)]
    public static CollectionSource<Click> Clicks() => new([]);

    public static long TimeOf(Click click) => click.Time;

    public static string UserOf(Click click) => click.User;

    [Window(nameof(Clicks), KeyBy = nameof(UserOf), SizeMs = 1_000, AllowedLatenessMs = 500, LateRecords = "LateClicks")]
    public static string List(string user, TimeWindow window, IReadOnlyList<Click> clicks) =>
        $"{user} {window} {string.Join(",", clicks.Select(c => c.Time))}";

    [Sink(nameof(List))]
    public static RecordingSink<string> Out() => Output;

    [Sink("LateClicks")]
    public static RecordingSink<Click> LateOut() => Late;
}

/// <summary>The generated task of a full-window node with a late-records output, driven by hand.</summary>
public sealed class WindowLateRecordsTaskTests : IDisposable
{
    private readonly TaskHarness<Click> _harness;

    public WindowLateRecordsTaskTests()
    {
        ClickListPipeline.Output = new RecordingSink<string>();
        ClickListPipeline.Late = new RecordingSink<Click>();
        _harness = new TaskHarness<Click>(ClickListPipeline.Graph, ClickListPipeline.__BuildJob, "List+Out+LateClicks+LateOut",
            new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(0)));
    }

    [Fact]
    public void The_late_records_output_is_a_node_of_the_graph_fused_with_its_window_node()
    {
        NodeInfo late = ClickListPipeline.Graph.Nodes.Single(n => n.Name == "LateClicks");
        Assert.Equal("List", late.LateRecordsOf);
        Assert.Equal("Click", late.OutputType);
        Assert.Contains(ClickListPipeline.Graph.Edges, e => e is { From: "List", To: "LateClicks", Chained: true });
        Assert.Contains(ClickListPipeline.Graph.Edges, e => e is { From: "LateClicks", To: "LateOut" });
        Assert.DoesNotContain(ClickListPipeline.Graph.Edges, e => e is { From: "List", To: "LateOut" });
    }

    [Fact]
    public async Task A_fired_window_lists_its_records_and_a_record_past_the_lateness_reaches_the_late_records_sink()
    {
        _harness.Process(new Click("ada", 100), new Click("bob", 900), new Click("ada", 999));
        _harness.Watermark(999);
        await _harness.SettleAsync();
        Assert.Equal(["ada [0, 1000) 100,999", "bob [0, 1000) 900"], ClickListPipeline.Output.Records.Order());

        _harness.Process(new Click("ada", 500)); // within the lateness: fires again with every record
        await _harness.SettleAsync();
        Assert.Equal("ada [0, 1000) 100,999,500", ClickListPipeline.Output.Records[^1]);

        _harness.Watermark(1_499);
        _harness.Process(new Click("ada", 600), new Click("bob", 10), new Click("bob", 1_600));
        await _harness.SettleAsync();
        Assert.Equal([new Click("ada", 600), new Click("bob", 10)], ClickListPipeline.Late.Records);
        Assert.Equal(3, ClickListPipeline.Output.Records.Count);
        Assert.Equal(0, _harness.Task.LateRecordsDroppedForMetrics); // sent on, not dropped
    }

    public void Dispose() => _harness.Dispose();
}
