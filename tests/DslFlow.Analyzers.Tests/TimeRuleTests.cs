using DslFlow.Analyzers.Tests.Infrastructure;
using DslFlow.CodeFixes;
using DslFlow.Time;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF5xxx: watermark strategies, timestamp assigners, timers and their handlers.</summary>
public class TimeRuleTests
{
    private static string Pipeline(string source, string members) => $$"""
        [Pipeline] public partial class P
        {
            {{source}}
            static string Key(string x) => x;
            static long TimeOf(string x) => x.Length;
            {{members}}
            [Sink(nameof(M))] static Out<string> Out() => new();
        }
        {{Fixtures.Types}}
        """;

    private const string Timed = "[Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 100)] static Words S() => new();";

    private const string Handler = "[OnTimer(nameof(M))] static void Fire(long time, Collector<string> output) { }";

    [Fact]
    public Task A_keyed_process_node_with_timers_and_a_handler_reports_nothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, """
        [Process(nameof(S), KeyBy = nameof(Key))]
        static void M(string x, ValueState<int> n, Collector<string> output, TimerService timers) => timers.RegisterEventTimeTimer(n.Value++);
        [OnTimer(nameof(M))] static void Fire(long time, string key, TimeDomain domain, Collector<string> output, ValueState<int> n, TimerService timers) => output.Emit(key);
        """));

    [Theory]
    [InlineData("[Process(nameof(S))] static void {|DSLF5001:M|}(string x, Collector<string> output, TimerService timers) { }")]
    [InlineData("[Map(nameof(S), KeyBy = nameof(Key))] static string {|DSLF5001:M|}(string x, TimerService timers) => x;")]
    public Task Timers_need_a_keyed_process_node(string node) => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, node + "\n" + Handler));

    [Fact]
    public Task A_handler_on_an_unkeyed_node_is_reported_on_the_node() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, """
        [Process(nameof(S))] static void {|DSLF5001:M|}(string x, Collector<string> output) { }
        """ + "\n" + Handler));

    [Theory]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(int time, Collector<string> output) { }")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long time, Collector<int> output) { }")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long time, ValueState<long> n) { }")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long time, ValueState<int> other) { }")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long time, double what) { }")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long time, TimeDomain a, TimeDomain b) { }")]
    [InlineData("[OnTimer(nameof(M))] static int {|DSLF5002:Fire|}(long time) => 0;")]
    [InlineData("[OnTimer(nameof(M))] static void {|DSLF5002:Fire|}(long key, long time) { }")]
    [InlineData("[OnTimer(nameof(M))] static void Fire(long time) { } [OnTimer({|DSLF5002:nameof(M)|})] static void Again(long time) { }")]
    public Task Handlers_must_fit_their_node(string handler) => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, """
        [Process(nameof(S), KeyBy = nameof(Key))]
        static void M(string x, ValueState<int> n, Collector<string> output, TimerService timers) { }
        """ + "\n" + handler));

    [Fact]
    public Task A_handler_names_a_node_of_the_pipeline() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, """
        [Process(nameof(S), KeyBy = nameof(Key))] static void M(string x, Collector<string> output) { }
        [OnTimer({|DSLF5002:"Nope"|})] static void Fire(long time, Collector<string> output) { }
        """));

    [Fact]
    public Task A_node_with_a_timer_service_needs_a_handler() => Verify.AnalyzerAsync<Analyzer>(Pipeline(Timed, """
        [Process(nameof(S), KeyBy = nameof(Key))]
        static void {|DSLF5002:M|}(string x, Collector<string> output, TimerService timers) { }
        """));

    [Fact]
    public Task Event_time_timers_without_watermarks_upstream_warn() => Verify.AnalyzerAsync<Analyzer>(Pipeline("[Source] static Words S() => new();", """
        [Process(nameof(S), KeyBy = nameof(Key))]
        static void {|DSLF5003:M|}(string x, Collector<string> output, TimerService timers) => timers.RegisterEventTimeTimer(1);
        """ + "\n" + Handler));

    [Fact]
    public Task Processing_time_timers_need_no_watermarks() => Verify.AnalyzerAsync<Analyzer>(Pipeline("[Source] static Words S() => new();", """
        [Process(nameof(S), KeyBy = nameof(Key))]
        static void M(string x, Collector<string> output, TimerService timers) => timers.RegisterProcessingTimeTimer(timers.CurrentProcessingTime + 1_000);
        """ + "\n" + Handler));

    [Theory]
    [InlineData("{|DSLF5004:OutOfOrdernessMs = 0|}")]
    [InlineData("{|DSLF5004:OutOfOrdernessMs = -5|}, IntervalMs = 50")]
    [InlineData("OutOfOrdernessMs = 10, {|DSLF5004:IntervalMs = 0|}")]
    [InlineData("OutOfOrdernessMs = 10, {|DSLF5004:IdleTimeoutMs = -1|}")]
    [InlineData("OutOfOrdernessMs = 10, {|DSLF5004:IdleTimeoutMs = 0|}")]
    public Task Watermark_durations_must_be_positive(string arguments) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Source, Watermarks(nameof(TimeOf), {arguments})] static Words S() => new();", "[Map(nameof(S))] static string M(string x) => x;"));

    [Fact]
    public Task An_unset_bound_is_reported() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Source, {|DSLF5004:Watermarks(nameof(TimeOf))|}] static Words S() => new();", "[Map(nameof(S))] static string M(string x) => x;"));

    [Fact]
    public Task Watermarks_go_on_nodes_that_emit_records_not_on_sinks() => Verify.AnalyzerAsync<Analyzer>("""
        [Pipeline] public partial class P
        {
            [Source] static Words S() => new();
            static long TimeOf(string x) => x.Length;
            [Map(nameof(S)), Watermarks(nameof(TimeOf), OutOfOrdernessMs = 5)] static string M(string x) => x;
            [Sink(nameof(M)), {|DSLF5004:Watermarks(nameof(TimeOf), OutOfOrdernessMs = 5)|}] static Out<string> Out() => new();
        }
        """ + Fixtures.Types);

    [Fact]
    public Task An_operator_that_assigns_timestamps_gives_event_time_to_the_timers_after_it() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Source] static Words S() => new();", """
        [Map(nameof(S)), Watermarks(nameof(TimeOf), OutOfOrdernessMs = 5)] static string Stamped(string x) => x;
        [Process(nameof(Stamped), KeyBy = nameof(Key))]
        static void M(string x, Collector<string> output, TimerService timers) => timers.RegisterEventTimeTimer(1);
        """ + "\n" + Handler));

    [Fact]
    public Task A_timer_node_that_stamps_its_own_output_still_has_no_event_time_in() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Source] static Words S() => new();", """
        static long OutTime(string x) => x.Length;
        [Process(nameof(S), KeyBy = nameof(Key)), Watermarks(nameof(OutTime), OutOfOrdernessMs = 5)]
        static void {|DSLF5003:M|}(string x, Collector<string> output, TimerService timers) => timers.RegisterEventTimeTimer(1);
        """ + "\n" + Handler));

    [Fact]
    public Task An_operator_assigner_takes_the_nodes_output_type() => Verify.AnalyzerAsync<Analyzer>("""
        [Pipeline] public partial class P
        {
            [Source] static Words S() => new();
            static long TimeOf(string x) => x.Length;
            [Map(nameof(S)), Watermarks({|DSLF5005:nameof(TimeOf)|}, OutOfOrdernessMs = 5)] static int Length(string x) => x.Length;
            [Sink(nameof(Length))] static Out<int> Out() => new();
        }
        """ + Fixtures.Types);

    [Theory]
    [InlineData("{|DSLF5005:\"Missing\"|}")]
    [InlineData("{|DSLF5005:nameof(WrongType)|}")]
    [InlineData("{|DSLF5005:nameof(WrongParameter)|}")]
    [InlineData("{|DSLF5005:nameof(Instance)|}")]
    public Task Timestamp_assigners_have_one_shape(string assigner) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Source, Watermarks({assigner}, OutOfOrdernessMs = 5)] static Words S() => new();", """
        static DateTime WrongType(string x) => default;
        static long WrongParameter(int x) => x;
        long Instance(string x) => 0;
        [Map(nameof(S))] static string M(string x) => x;
        """));

    [Fact]
    public Task The_interval_fix_restores_the_default() => Verify.CodeFixAsync<Analyzer, WatermarkDefaultCodeFix>(
        Pipeline("[Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 10, {|DSLF5004:IntervalMs = 0|})] static Words S() => new();",
            "[Map(nameof(S))] static string M(string x) => x;"),
        Pipeline("[Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 10)] static Words S() => new();",
            "[Map(nameof(S))] static string M(string x) => x;"));

    [Fact]
    public Task The_key_fix_keys_a_process_node_with_timers() => Verify.CodeFixAsync<Analyzer, AddKeyByCodeFix>(
        Pipeline(Timed, "[Process(nameof(S))] static void {|DSLF5001:M|}(string x, Collector<string> output, TimerService timers) { }\n" + Handler),
        Pipeline(Timed, "[Process(nameof(S), KeyBy = nameof(Key))] static void M(string x, Collector<string> output, TimerService timers) { }\n" + Handler));

    /// <summary>The runtime refuses the same values in the options with the analyzer's words.</summary>
    [Theory]
    [InlineData("OutOfOrdernessMs = 0", "OutOfOrderness")]
    [InlineData("OutOfOrdernessMs = 5, IntervalMs = -1", "EmitInterval")]
    public async Task The_runtime_refuses_the_same_values_with_the_same_words(string arguments, string setting)
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + Pipeline($"[Source, Watermarks(nameof(TimeOf), {arguments})] static Words S() => new();",
            "[Map(nameof(S))] static string M(string x) => x;"));
        string analyzer = Assert.Single(run.AnalyzerDiagnostics, d => d.Id == "DSLF5004").GetMessage();
        var strategy = new WatermarkStrategy { OutOfOrderness = TimeSpan.FromMilliseconds(5), EmitInterval = TimeSpan.FromMilliseconds(200) };
        if (setting == "OutOfOrderness")
        {
            strategy.OutOfOrderness = TimeSpan.Zero;
        }
        else
        {
            strategy.EmitInterval = TimeSpan.FromMilliseconds(-1);
        }
        var error = Assert.Throws<JobConfigurationException>(() => strategy.Validate("source 'S'"));
        string meaning = WatermarkRules.Meaning(setting);
        Assert.Contains(meaning, analyzer);
        Assert.Contains(meaning, error.Message);
        Assert.StartsWith("The watermark strategy of source 'S' has ", analyzer);
        Assert.StartsWith("The watermark strategy of source 'S' has ", error.Message);
    }
}
