using DslFlow.Analyzers.Tests.Infrastructure;
using Analyzer = DslFlow.Analyzers.PipelineAnalyzer;

namespace DslFlow.Analyzers.Tests;

/// <summary>DSLF5006–5009: [Window] nodes, their methods, lengths, lateness and late-records outputs.</summary>
public class WindowRuleTests
{
    private static string Pipeline(string window, string members = "") => $$"""
        [Pipeline] public partial class P
        {
            [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 100)] static Words S() => new();
            static string Key(string x) => x;
            static long TimeOf(string x) => x.Length;
            static string Emit(string key, TimeWindow window, long count) => key;
            static long Add(long a, long b) => a + b;
            {{window}}
            {{members}}
            [Sink(nameof(M))] static Out<string> Out() => new();
        }
        {{Fixtures.Types}}
        """;

    [Theory]
    [InlineData("SizeMs = 1_000")]
    [InlineData("SizeMs = 1_000, SlideMs = 100, AllowedLatenessMs = 5_000")]
    [InlineData("GapMs = 300, Merge = nameof(Add)")]
    [InlineData("SizeMs = 1_000, ProcessingTime = true")]
    public Task Windows_that_fit_report_nothing(string settings) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Window(nameof(S), KeyBy = nameof(Key), {settings}, Result = nameof(Emit))] static long M(string x, long count) => count + 1;"));

    [Fact]
    public Task A_window_takes_its_time_from_TimestampOf_when_named() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), TimestampOf = nameof(TimeOf))] static long M(string x, long count) => count + 1;"));

    [Theory]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit))] static long {|DSLF5006:M|}(long count, string x) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit))] static int {|DSLF5006:M|}(string x, long count) => 0;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit))] static long {|DSLF5006:M|}(string x, long count, ValueState<int> n) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10)] static long {|DSLF5006:M|}(string x, long count) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Add))] static long {|DSLF5006:M|}(string x, long count) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), GapMs = 10, Result = nameof(Emit))] static long {|DSLF5006:M|}(string x, long count) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Merge = nameof(Add), Result = nameof(Emit))] static long {|DSLF5006:M|}(string x, long count) => count;")]
    [InlineData("[Window(nameof(S), SizeMs = 10, Result = nameof(Emit))] static long {|DSLF5006:M|}(string x, long count) => count;")]
    [InlineData("[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), TimestampOf = nameof(Key))] static long {|DSLF5006:M|}(string x, long count) => count;")]
    public Task A_window_method_result_merge_or_timestamp_that_does_not_fit_is_reported(string window) =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline(window));

    [Fact]
    public Task A_result_that_takes_another_key_type_is_reported() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(ByLength))] static long {|DSLF5006:M|}(string x, long count) => count;",
        "static string ByLength(int key, TimeWindow window, long count) => \"\";"));

    [Theory]
    [InlineData("{|DSLF5007:SizeMs = 0|}")]
    [InlineData("SizeMs = 100, {|DSLF5007:SlideMs = -5|}")]
    [InlineData("{|DSLF5007:GapMs = 0|}, Merge = nameof(Add)")]
    [InlineData("SizeMs = 100, {|DSLF5007:AllowedLatenessMs = -1|}")]
    [InlineData("SizeMs = 100, ProcessingTime = true, {|DSLF5007:AllowedLatenessMs = 10|}")]
    [InlineData("SizeMs = 100_000, {|DSLF5007:SlideMs = 1|}")]
    [InlineData("SizeMs = 100, ProcessingTime = true, {|DSLF5007:TimestampOf = nameof(TimeOf)|}")]
    public Task Lengths_and_lateness_out_of_range_are_reported_on_the_argument(string settings) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Window(nameof(S), KeyBy = nameof(Key), {settings}, Result = nameof(Emit))] static long M(string x, long count) => count + 1;"));

    [Theory]
    [InlineData("SizeMs = 100, GapMs = 10")]
    [InlineData("SlideMs = 10")]
    [InlineData("GapMs = 10, SlideMs = 10, Merge = nameof(Add)")]
    public Task Lengths_that_contradict_each_other_are_reported_on_the_attribute(string settings) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[{{|DSLF5007:Window(nameof(S), KeyBy = nameof(Key), {settings}, Result = nameof(Emit))|}}] static long M(string x, long count) => count + 1;"));

    [Fact]
    public Task A_slide_beyond_the_size_is_a_warning() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 100, {|DSLF5008:SlideMs = 150|}, Result = nameof(Emit))] static long M(string x, long count) => count + 1;"));

    [Fact]
    public Task An_event_time_window_without_timestamps_is_reported() => Verify.AnalyzerAsync<Analyzer>($$"""
        [Pipeline] public partial class P
        {
            [Source] static Words S() => new();
            static string Key(string x) => x;
            static string Emit(string key, TimeWindow window, long count) => key;
            [Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit))] static long {|DSLF5006:M|}(string x, long count) => count + 1;
            [Sink(nameof(M))] static Out<string> Out() => new();
        }
        {{Fixtures.Types}}
        """);

    [Fact]
    public Task A_handler_on_a_window_node_is_reported() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit))] static long M(string x, long count) => count + 1;",
        "[OnTimer({|DSLF5002:nameof(M)|})] static void Fire(long time) { }"));

    [Theory]
    [InlineData("SizeMs = 1_000", "static string M(string key, TimeWindow window, IReadOnlyList<string> xs) => key;")]
    [InlineData("GapMs = 300", "static string M(string key, TimeWindow window, IReadOnlyList<string> xs) => key;")]
    [InlineData("SizeMs = 1_000, SlideMs = 100", "static void M(string key, TimeWindow window, IReadOnlyList<string> xs, Collector<string> output) { }")]
    public Task Full_window_functions_that_fit_report_nothing(string settings, string method) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Window(nameof(S), KeyBy = nameof(Key), {settings})] {method}"));

    [Theory]
    [InlineData("static string {|DSLF5006:M|}(string key, TimeWindow window, List<string> xs) => key;")]
    [InlineData("static void {|DSLF5006:M|}(string key, TimeWindow window, IReadOnlyList<string> xs) { }")]
    [InlineData("static string {|DSLF5006:M|}(string key, TimeWindow window, IReadOnlyList<string> xs, Collector<string> output) => key;")]
    [InlineData("static void {|DSLF5006:M|}(string key, TimeWindow window, IReadOnlyList<string> xs, string output) { }")]
    [InlineData("static string {|DSLF5006:M|}(int key, TimeWindow window, IReadOnlyList<string> xs) => \"\";")]
    public Task A_full_window_function_that_does_not_fit_is_reported(string method) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10)] {method}"));

    [Theory]
    [InlineData("{|DSLF5006:Result = nameof(Emit)|}")]
    [InlineData("GapMs = 10, {|DSLF5006:Merge = nameof(Add)|}")]
    public Task A_full_window_function_with_an_aggregate_s_methods_is_reported_on_the_argument(string settings) =>
        Verify.AnalyzerAsync<Analyzer>(Pipeline(
            $"[Window(nameof(S), KeyBy = nameof(Key), {(settings.StartsWith("GapMs") ? "" : "SizeMs = 10, ")}{settings})] static string M(string key, TimeWindow window, IReadOnlyList<string> xs) => key;"));

    [Fact]
    public Task A_late_records_output_read_by_a_node_reports_nothing() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), LateRecords = \"Late\")] static long M(string x, long count) => count + 1;",
        "[Sink(\"Late\", Parallelism = 2)] static Out<string> LateOut() => new();"));

    [Fact]
    public Task A_late_records_output_nobody_reads_is_info() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), {|DSLF5009:LateRecords = \"Late\"|})] static long M(string x, long count) => count + 1;"));

    [Fact]
    public Task A_late_records_output_read_as_another_type_is_reported() => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        "[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), LateRecords = \"Late\")] static long M(string x, long count) => count + 1;",
        "[Sink({|DSLF2005:\"Late\"|})] static Out<int> LateOut() => new();"));

    [Theory]
    [InlineData("ProcessingTime = true, {|DSLF5007:LateRecords = \"Late\"|}")]
    [InlineData("{|DSLF5007:LateRecords = \"late records\"|}")]
    [InlineData("{|DSLF5007:LateRecords = \"Out\"|}")]
    public Task A_late_records_output_that_cannot_be_is_reported_on_the_argument(string settings) => Verify.AnalyzerAsync<Analyzer>(Pipeline(
        $"[Window(nameof(S), KeyBy = nameof(Key), SizeMs = 10, Result = nameof(Emit), {settings})] static long M(string x, long count) => count + 1;"));
}
