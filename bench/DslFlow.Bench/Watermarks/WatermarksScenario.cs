using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Bench.Throughput;

namespace DslFlow.Bench.Watermarks;

/// <summary>
/// What event time costs. <c>watermark_overhead_ratio</c>: the throughput pipeline with watermarks every 200 ms ÷ the
/// same pipeline without, in rounds of two adjacent runs over the same records (alternating which goes first, since this
/// machine's speed drifts), median of the rounds. <c>timers_per_second</c>: a keyed job whose records register
/// event-time timers (about 0.63 per record), fired per key and window; <c>timer_ratio_vs_loop</c> divides it by a
/// hand-written priority-queue loop doing the same, in the same run (checksums must match).
/// </summary>
internal static class WatermarksScenario
{
    public static Task<Report> RunAsync(bool quick)
    {
        int rounds = quick ? 5 : 9;
        var report = new Report();
        string? only = Environment.GetEnvironmentVariable("DSLFLOW_BENCH_ONLY"); // profiling aid: "overhead" or "timers"
        if (only != "timers")
        {
            MeasureOverhead(report, rounds);
        }
        if (only != "overhead")
        {
            MeasureTimers(report, quick);
        }
        return Task.FromResult(report);
    }

    private static void MeasureOverhead(Report report, int rounds)
    {
        long records = 2 * Measure.Calibrate(n => RunCount(n, watermarks: false)); // runs of about 2 s: steadier rounds
        long reference = Baselines.PlainLoop(records);
        var with = new List<double>();
        var without = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            bool watermarksFirst = round % 2 == 0;
            double first = Rate(records, watermarksFirst, reference), second = Rate(records, !watermarksFirst, reference);
            (double on, double off) = watermarksFirst ? (first, second) : (second, first);
            with.Add(on);
            without.Add(off);
            ratios.Add(on / off);
            Console.WriteLine($"round {round + 1}: with watermarks {on,12:N0} records/s, without {off,12:N0} records/s, ratio {on / off:F3}");
        }
        report.Add("watermark_overhead_ratio", Measure.Median(ratios));
        report.Add("watermark_overhead_ratio_round_min", ratios.Min());
        report.Add("watermark_overhead_ratio_round_max", ratios.Max());
        report.Add("with_watermarks_rps", Measure.Median(with));
        report.Add("without_watermarks_rps", Measure.Median(without));
        report.Add("rounds", rounds);
    }

    private static void MeasureTimers(Report report, bool quick)
    {
        long timerRecords = Measure.Calibrate(n => RunTimers(n).Checksum);
        (long loopChecksum, long timers) = TimerLoop.Run(timerRecords);
        var job = new List<double>();
        var loop = new List<double>();
        for (int r = 0; r < (quick ? 3 : 5); r++)
        {
            GC.Collect();
            var clock = Stopwatch.StartNew();
            (long checksum, _) = RunTimers(timerRecords);
            double jobSeconds = clock.Elapsed.TotalSeconds;
            if (checksum != loopChecksum)
            {
                throw new InvalidOperationException($"the timer job computed checksum {checksum} over {timerRecords:N0} records; the loop computed {loopChecksum}.");
            }
            clock.Restart();
            TimerLoop.Run(timerRecords);
            double loopSeconds = clock.Elapsed.TotalSeconds;
            job.Add(timers / jobSeconds);
            loop.Add(timers / loopSeconds);
            Console.WriteLine($"timers: job {timers / jobSeconds,12:N0}/s, loop {timers / loopSeconds,12:N0}/s ({timers:N0} timers over {timerRecords:N0} records)");
        }
        report.Add("timers_per_second", Measure.Median(job));
        report.Add("loop_timers_per_second", Measure.Median(loop));
        report.Add("timer_ratio_vs_loop", Measure.Median(job.Zip(loop, (a, b) => a / b)));
        report.Add("timers_per_run", timers);
    }

    private static double Rate(long records, bool watermarks, long reference)
    {
        (double rate, long checksum) = Measure.Once(records, n => RunCount(n, watermarks));
        if (checksum != reference)
        {
            throw new InvalidOperationException($"the pipeline {(watermarks ? "with" : "without")} watermarks computed checksum {checksum}; the plain loop computed {reference}.");
        }
        return rate;
    }

    private static long RunCount(long records, bool watermarks)
    {
        var options = new PipelineOptions { RestartStrategy = RestartStrategy.None };
        if (watermarks)
        {
            EventTimeCountPipeline.Records = records;
            EventTimeCountPipeline.Sink = new ChecksumSink();
            EventTimeCountPipeline.RunAsync(options).GetAwaiter().GetResult();
            return EventTimeCountPipeline.Sink.Sum;
        }
        KeyedCountPipeline.Records = records;
        KeyedCountPipeline.Sink = new ChecksumSink();
        KeyedCountPipeline.RunAsync(options).GetAwaiter().GetResult();
        return KeyedCountPipeline.Sink.Sum;
    }

    private static (long Checksum, long Records) RunTimers(long records)
    {
        TimerCountPipeline.Records = records;
        TimerCountPipeline.Sink = new ChecksumSink();
        TimerCountPipeline.RunAsync(new PipelineOptions { RestartStrategy = RestartStrategy.None }).GetAwaiter().GetResult();
        return (TimerCountPipeline.Sink.Sum, records);
    }
}
