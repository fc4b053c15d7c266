using DslFlow.Bench.BackpressureCheckpoint;
using DslFlow.Bench.Changelog;
using DslFlow.Bench.Connectors;
using DslFlow.Bench.CheckpointOverhead;
using DslFlow.Bench.FinishedSourceCheckpoint;
using DslFlow.Bench.Harness;
using DslFlow.Bench.StateBackends;
using DslFlow.Bench.Throughput;
using DslFlow.Bench.Watermarks;
using DslFlow.Bench.Windows;

// dotnet run -c Release --project bench/DslFlow.Bench -- <scenario> [--quick]
if (args is [LargeStateChild.Command, string work, string keys])
{
    return await LargeStateRun.RunAsync(work, long.Parse(keys, System.Globalization.CultureInfo.InvariantCulture));
}
string scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "";
bool quick = args.Contains("--quick");
var scenarios = new Dictionary<string, Func<bool, Task<Report>>>
{
    ["throughput"] = ThroughputScenario.RunAsync,
    ["backpressure-checkpoint"] = BackpressureCheckpointScenario.RunAsync,
    ["checkpoint-throughput"] = BackpressureCheckpointScenario.RunThroughputAsync,
    ["finished-source-checkpoint"] = FinishedSourceCheckpointScenario.RunAsync,
    ["checkpoint-overhead"] = CheckpointOverheadScenario.RunAsync,
    ["changelog"] = ChangelogScenario.RunAsync,
    ["changelog-throughput"] = ChangelogScenario.RunThroughputAsync,
    ["state-backends"] = StateBackendsScenario.RunAsync,
    ["watermarks"] = WatermarksScenario.RunAsync,
    ["timer-queue"] = TimerQueueScenario.RunAsync,
    ["windows"] = WindowsScenario.RunAsync,
    ["connectors"] = ConnectorsScenario.RunAsync,
};
if (!scenarios.TryGetValue(scenario, out var run))
{
    Console.Error.WriteLine($"Unknown scenario '{scenario}'. Scenarios: {string.Join(", ", scenarios.Keys)}. Add --quick for fewer repetitions.");
    return 2;
}
Report report = await run(quick);
report.Print();
string path = report.Write(scenario);
Console.WriteLine($"Wrote {path}");
return 0;
