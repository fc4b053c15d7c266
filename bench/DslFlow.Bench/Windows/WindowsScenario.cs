using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Windows;

/// <summary>
/// <c>windows</c>: a keyed window count over 10 000 keys at p = 1 ÷ the hand-written loop doing the same, measured in
/// the same run, alternating: tumbling 1 s windows (<c>window_ratio_vs_loop</c>, goal ≥ 0.5), sliding 1 s every 100 ms
/// (<c>sliding_ratio_vs_loop</c>, size/slide = 10) and sessions with a 200 ms gap (<c>session_ratio_vs_loop</c>). Both sides
/// must compute the same checksum of every fired (key, window, count).
/// </summary>
internal static class WindowsScenario
{
    public static Task<Report> RunAsync(bool quick)
    {
        var report = new Report();
        int rounds = quick ? 3 : 5;
        Measure(report, "window", WindowAssigner.Tumbling("Count", 1_000), rounds, n => WindowLoop.RunFixed(n, 1_000, 1_000));
        Measure(report, "sliding", WindowAssigner.Sliding("Count", 1_000, 100), rounds, n => WindowLoop.RunFixed(n, 1_000, 100));
        Measure(report, "session", WindowAssigner.Session("Count", 200), rounds, n => WindowLoop.RunSessions(n, 200));
        return Task.FromResult(report);
    }

    private static void Measure(Report report, string name, WindowAssigner assigner, int rounds, Func<long, long> loop)
    {
        long records = Harness.Measure.Calibrate(n => RunJob(assigner, n));
        long expected = loop(records);
        var ratios = new List<double>();
        var job = new List<double>();
        var hand = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            long checksum = RunJob(assigner, records);
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

    private static long RunJob(WindowAssigner assigner, long records)
    {
        WindowCountPipeline.Records = records;
        WindowCountPipeline.Sink = new ChecksumSink();
        WindowCountPipeline.Windows = WindowCountPipeline.Create(assigner);
        WindowCountPipeline.RunAsync(new PipelineOptions { RestartStrategy = RestartStrategy.None }).GetAwaiter().GetResult();
        return WindowCountPipeline.Sink.Sum;
    }
}
