using DslFlow;

namespace DslFlow.ProcessHarness;

/// <summary>
/// Keyed state several times RocksDB's configured memory (<see cref="CacheBytes"/>), in a child process: the write run
/// stores a 200-character value per key and ends with a final checkpoint; the verify run restores it in a new process
/// and checks every key's value. Prints the process's peak resident memory.
/// </summary>
public static class LargeState
{
    public const long CacheBytes = 16L << 20;
    public const int ValueLength = 200;

    /// <summary><c>large-state &lt;work&gt; write|verify &lt;keys&gt;</c>; 0 when every value was found, 4 otherwise.</summary>
    public static async Task<int> RunAsync(string work, string phase, long keys)
    {
        // One job name for both pipelines: the verify run is the same job, restored with another source.
        var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, DefaultParallelism = 2, JobName = "LargeState" };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(200);
        options.Checkpointing.Directory = Path.Combine(work, "checkpoints");
        options.Checkpointing.RetainAfterFinish = true;
        options.Checkpointing.AllowNonRestoredState = true; // the verify run reads the keys from a source of its own
        options.StateBackend.Kind = StateBackendKind.RocksDb;
        options.StateBackend.RocksDb.LocalDirectory = Path.Combine(work, "rocksdb");
        options.StateBackend.RocksDb.BlockCacheSize = CacheBytes;
        LargeStatePipeline.Keys = keys;
        LargeStateCheck.Keys = keys;
        JobHandle job = phase == "write" ? LargeStatePipeline.Start(options) : LargeStateCheck.Start(options);
        await using (job)
        {
            Console.WriteLine($"started restored={job.RestoredCheckpointId?.ToString() ?? "none"}");
            await job.Completion;
        }
        Console.WriteLine($"peak_memory_mb {PeakResidentMegabytes()}");
        long wrong = LargeStateCheck.Wrong, found = LargeStateCheck.Found;
        Console.WriteLine(phase == "write" ? "finished" : $"checked {found} wrong {wrong}");
        return phase == "write" || (wrong == 0 && found == keys) ? 0 : 4;
    }

    /// <summary>The value stored for a key: deterministic, so the verify run knows it without keeping it.</summary>
    public static string ValueOf(long key) => string.Create(ValueLength, key, static (span, k) =>
    {
        ulong x = (ulong)k * 0x9E3779B97F4A7C15UL;
        for (int i = 0; i < span.Length; i++)
        {
            x ^= x >> 29;
            x *= 0xBF58476D1CE4E5B9UL;
            span[i] = (char)('a' + (int)(x % 26));
        }
    });

    private static long PeakResidentMegabytes()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}

/// <summary>The write run: every key's value into RocksDB.</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class LargeStatePipeline
{
    public static long Keys { get; set; }

    [Source]
    public static SequenceSource Numbers() => new(0, Keys);

    [Map(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static long Store(long key, ValueState<string> value)
    {
        value.Value = LargeState.ValueOf(key);
        return key;
    }

    public static long KeyOf(long key) => key;

    [Sink(nameof(Store))]
    public static DiscardSink<long> Out() => new();
}

/// <summary>The verify run: the same keyed node and state, fed every key again by another source.</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class LargeStateCheck
{
    private static long _found;
    private static long _wrong;

    public static long Keys { get; set; }

    public static long Found => Interlocked.Read(ref _found);

    public static long Wrong => Interlocked.Read(ref _wrong);

    [Source]
    public static SequenceSource Again() => new(0, Keys);

    [Map(nameof(Again), KeyBy = nameof(KeyOf))]
    public static long Store(long key, ValueState<string> value)
    {
        Interlocked.Increment(ref value.HasValue && value.Value == LargeState.ValueOf(key) ? ref _found : ref _wrong);
        return key;
    }

    public static long KeyOf(long key) => key;

    [Sink(nameof(Store))]
    public static DiscardSink<long> Out() => new();
}
