using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Windows;

/// <summary>
/// <c>windows</c>: a keyed window count over 10 000 keys at p = 1 ÷ the hand-written loop doing the same, measured in
/// the same run, alternating: tumbling 1 s windows (<c>window_ratio_vs_loop</c>, goal ≥ 0.5), sliding 1 s every 100 ms
/// (<c>sliding_ratio_vs_loop</c>, size/slide = 10) and sessions with a 200 ms gap (<c>session_ratio_vs_loop</c>), each a
/// generated <c>[Window]</c> node; the <c>*_process_ratio_vs_loop</c> keys measure the same <c>WindowOperator</c> called by
/// hand from a keyed <c>[Process]</c> node. Both sides must compute the same checksum of every fired (key, window, count).
/// </summary>
internal static class WindowsScenario
{
    public static Task<Report> RunAsync(bool quick)
    {
        var report = new Report();
        int rounds = quick ? 3 : 5;
        Func<long, long> tumbling = n => WindowLoop.RunFixed(n, 1_000, 1_000), sliding = n => WindowLoop.RunFixed(n, 1_000, 100),
            sessions = n => WindowLoop.RunSessions(n, 200);
        Measure(report, "window", n => RunNode(o => TumblingNodePipeline.RunAsync(o), n), rounds, tumbling);
        Measure(report, "sliding", n => RunNode(o => SlidingNodePipeline.RunAsync(o), n), rounds, sliding);
        Measure(report, "session", n => RunNode(o => SessionNodePipeline.RunAsync(o), n), rounds, sessions);
        Measure(report, "window_process", n => RunJob(WindowAssigner.Tumbling("Count", 1_000), n), rounds, tumbling);
        Measure(report, "sliding_process", n => RunJob(WindowAssigner.Sliding("Count", 1_000, 100), n), rounds, sliding);
        Measure(report, "session_process", n => RunJob(WindowAssigner.Session("Count", 200), n), rounds, sessions);
        return Task.FromResult(report);
    }

    private static void Measure(Report report, string name, Func<long, long> runJob, int rounds, Func<long, long> loop)
    {
        long records = Harness.Measure.Calibrate(n => runJob(n));
        long expected = loop(records);
        var ratios = new List<double>();
        var job = new List<double>();
        var hand = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            long checksum = runJob(records);
            double jobRate = records / clock.Elapsed.TotalSeconds;
            if (checksum != expected)
            {
                throw new InvalidOperationException($"the {name} job computed checksum {checksum} over {records:N0} records; the loop computed {expected}.");
            }
            GC.Collect();
            clock.Restart();
            loop(records);
            double loopRate = records / clock.Elapsed.TotalSeconds;
            job.Add(jobRate);
            hand.Add(loopRate);
            ratios.Add(jobRate / loopRate);
            Console.WriteLine($"{name}: job {jobRate,12:N0} records/s, loop {loopRate,12:N0} records/s, ratio {jobRate / loopRate:F3}");
        }
        report.Add($"{name}_ratio_vs_loop", Harness.Measure.Median(ratios));
        report.Add($"{name}_job_records_per_second", Harness.Measure.Median(job));
        report.Add($"{name}_loop_records_per_second", Harness.Measure.Median(hand));
        report.Add($"{name}_records_per_run", records);
    }

    private static long RunNode(Func<PipelineOptions, Task> run, long records)
    {
        WindowNodes.Records = records;
        WindowNodes.Sink = new ChecksumSink();
        run(new PipelineOptions { RestartStrategy = RestartStrategy.None }).GetAwaiter().GetResult();
        return WindowNodes.Sink.Sum;
    }

    private static long RunJob(WindowAssigner assigner, long records)
    {
        WindowCountPipeline.Records = records;
        WindowCountPipeline.Sink = new ChecksumSink();
        WindowCountPipeline.Windows = WindowCountPipeline.Create(assigner);
        WindowCountPipeline.RunAsync(new PipelineOptions { RestartStrategy = RestartStrategy.None }).GetAwaiter().GetResult();
        return WindowCountPipeline.Sink.Sum;
    }
}
