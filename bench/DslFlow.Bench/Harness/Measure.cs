using System.Diagnostics;

namespace DslFlow.Bench.Harness;

/// <summary>Times a variant over a record count that makes each run last at least a second.</summary>
internal static class Measure
{
    public const double MinRunSeconds = 1.0;

    /// <summary>One timed run: returns (records/s, checksum).</summary>
    public static (double RecordsPerSecond, long Checksum) Once(long records, Func<long, long> run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        long checksum = run(records);
        return (records / clock.Elapsed.TotalSeconds, checksum);
    }

    /// <summary>Doubles the record count until one run lasts at least <see cref="MinRunSeconds"/> (this also warms up).</summary>
    public static long Calibrate(Func<long, long> run, long start = 1 << 20)
    {
        long records = start;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            run(records);
            if (clock.Elapsed.TotalSeconds >= MinRunSeconds)
            {
                return records;
            }
            records *= 2;
        }
    }

    /// <summary>The nearest-rank percentile of sorted values (NaN when there are none).</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Deletes a run's temporary directory, ignoring what a still-running writer holds.</summary>
    public static void DeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
