using System.Diagnostics;
using DslFlow.Bench.Harness;

namespace DslFlow.Bench.Throughput;

/// <summary>
/// The keyed-count workload as a DslFlow pipeline at parallelism 1 and 2, against a plain Dictionary loop and a
/// per-record TPL Dataflow chain, in the same process; plus the latency of a priority event under backpressure.
/// </summary>
internal static class ThroughputScenario
{
    public static Task<Report> RunAsync(bool quick)
    {
        int repetitions = quick ? 1 : 3;
        var variants = new (string Name, Func<long, long> Run)[]
        {
            ("plain_loop", Baselines.PlainLoop),
            ("tpl_per_record", Baselines.TplPerRecord),
            ("dslflow_p1", n => RunPipeline(n, 1)),
            ("dslflow_p2", n => RunPipeline(n, 2)),
        };
        string? only = Environment.GetEnvironmentVariable("DSLFLOW_BENCH_ONLY"); // profiling aid: run one variant
        if (only is not null)
        {
            variants = variants.Where(v => v.Name == only).ToArray();
        }
        var rates = new Dictionary<string, double>();
        long? expected = null;
        foreach ((string name, Func<long, long> run) in variants)
        {
            long records = Measure.Calibrate(run);
            long reference = Baselines.PlainLoop(records);
            var samples = new List<double>();
            for (int r = 0; r < repetitions; r++)
            {
                (double rate, long checksum) = Measure.Once(records, run);
                if (checksum != reference)
                {
                    throw new InvalidOperationException($"{name} computed checksum {checksum} over {records:N0} records; the plain loop computed {reference}.");
                }
                samples.Add(rate);
            }
            rates[name] = Measure.Median(samples);
            expected ??= reference;
            Console.WriteLine($"{name,-16} {rates[name],16:N0} records/s over {records:N0} records (median of {repetitions}), checksum ok");
        }

        if (only is not null)
        {
            return Task.FromResult(new Report());
        }
        double priorityLatency = PriorityLatency.MedianMilliseconds(quick ? 11 : 31);
        var report = new Report();
        report.Add("dslflow_p1_rps", rates["dslflow_p1"]);
        report.Add("dslflow_p2_rps", rates["dslflow_p2"]);
        report.Add("tpl_per_record_rps", rates["tpl_per_record"]);
        report.Add("plain_loop_rps", rates["plain_loop"]);
        report.Add("ratio_vs_tpl", rates["dslflow_p1"] / rates["tpl_per_record"]);
        report.Add("ratio_vs_loop", rates["dslflow_p1"] / rates["plain_loop"]);
        report.Add("ratio_p2_vs_loop", rates["dslflow_p2"] / rates["plain_loop"]);
        report.Add("peak_memory_mb", Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0));
        report.Add("priority_latency_ms", priorityLatency);
        return Task.FromResult(report);
    }

    private static long RunPipeline(long records, int parallelism)
    {
        KeyedCountPipeline.Records = records;
        KeyedCountPipeline.Sink = new ChecksumSink();
        KeyedCountPipeline.RunAsync(new PipelineOptions { DefaultParallelism = parallelism }).GetAwaiter().GetResult();
        return KeyedCountPipeline.Sink.Sum;
    }
}
