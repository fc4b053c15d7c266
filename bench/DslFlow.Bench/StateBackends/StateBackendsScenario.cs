using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Bench.Throughput;
using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using RocksDbSharp;

namespace DslFlow.Bench.StateBackends;

/// <summary>
/// The RocksDB backend against its baselines, in one run: <c>ValueState&lt;long&gt;</c> updates through the backend
/// against a hand-written RocksDbSharp get+put loop with the same key layout and options (no WAL, same cache), and the
/// keyed-count pipeline on RocksDB against the same pipeline on the heap, and the larger-than-memory run in a child
/// process (<see cref="LargeStateRun"/>: peak memory, incremental checkpoint bytes, restore and rescale times).
/// <c>--quick</c> cuts repetitions, not sizes.
/// </summary>
internal static class StateBackendsScenario
{
    private const int Keys = 100_000;
    private const int Updates = 1_000_000;
    private const long LargeStateKeys = 10_000_000;

    public static Task<Report> RunAsync(bool quick)
    {
        int repetitions = quick ? 1 : 3;
        string local = Path.Combine(Path.GetTempPath(), "dslflow-bench-rocksdb-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ours = new List<double>();
            var bare = new List<double>();
            for (int r = 0; r < repetitions; r++)
            {
                bare.Add(BareRocksDb(Path.Combine(local, "bare-" + r)));
                ours.Add(Backend(local));
            }
            double oursRate = Measure.Median(ours), bareRate = Measure.Median(bare);
            Console.WriteLine($"value updates/s: backend {oursRate:N0}, bare RocksDbSharp {bareRate:N0}");

            double heap = Pipeline(StateBackendKind.Heap, local, repetitions);
            double rocks = Pipeline(StateBackendKind.RocksDb, local, repetitions);
            Console.WriteLine($"keyed count records/s: heap {heap:N0}, RocksDB {rocks:N0}");

            var report = new Report();
            report.Add("backend_value_updates_per_s", oursRate);
            report.Add("bare_rocksdb_updates_per_s", bareRate);
            report.Add("ratio_vs_bare_rocksdb", oursRate / bareRate);
            report.Add("heap_pipeline_rps", heap);
            report.Add("rocksdb_pipeline_rps", rocks);
            report.Add("throughput_ratio_rocksdb_vs_heap", rocks / heap);
            foreach ((string name, double value) in LargeStateChild.Run(Path.Combine(local, "large"), LargeStateKeys))
            {
                report.Add(name, value);
            }
            return Task.FromResult(report);
        }
        finally
        {
            Measure.DeleteDirectory(local);
        }
    }

    /// <summary>Updates per second of a <c>ValueState&lt;long&gt;</c> counter through the backend, as generated code drives it.</summary>
    private static double Backend(string local)
    {
        var options = new StateBackendOptions { Kind = StateBackendKind.RocksDb, RocksDb = { LocalDirectory = local } };
        using IKeyedStateBackend backend = KeyedStateBackends.Create(options, new KeyGroupRange(0, 127), 128, "bench/Count-0");
        KeyedState<long, long> state = backend.GetOrCreateState(
            new KeyedStateDescriptor<long, long>("Count.count", KeyedStateKind.Value, Int64Serializer.Instance, Int64Serializer.Instance));
        var value = new ValueState<long>();
        value.Bind(state);
        var watch = Stopwatch.StartNew();
        for (long i = 0; i < Updates; i++)
        {
            long key = Workload.Mix(i) % Keys & long.MaxValue;
            int hash = StableHash.Of(key);
            value.Slot = state.Slot(key, hash, KeyGroups.Assign(hash, 128));
            value.Value += 1;
        }
        return Updates / watch.Elapsed.TotalSeconds;
    }

    /// <summary>The same updates written by hand against RocksDbSharp: prefix + key bytes, hash + value bytes, get then put.</summary>
    private static double BareRocksDb(string directory)
    {
        var cache = Cache.CreateLru(256UL << 20);
        var table = new BlockBasedTableOptions().SetBlockCache(cache).SetCacheIndexAndFilterBlocks(true);
        var columns = new ColumnFamilyOptions().SetBlockBasedTableFactory(table);
        var db = new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true);
        Directory.CreateDirectory(Path.GetDirectoryName(directory)!);
        using RocksDb rocks = RocksDb.Open(db, directory, new ColumnFamilies(columns));
        ColumnFamilyHandle column = rocks.CreateColumnFamily(columns, "Count.count");
        WriteOptions write = new WriteOptions().DisableWal(1);
        Span<byte> key = stackalloc byte[9];
        Span<byte> stored = stackalloc byte[12];
        var watch = Stopwatch.StartNew();
        for (long i = 0; i < Updates; i++)
        {
            long k = Workload.Mix(i) % Keys & long.MaxValue;
            int hash = StableHash.Of(k);
            key[0] = (byte)KeyGroups.Assign(hash, 128);
            BitConverter.TryWriteBytes(key[1..], k);
            long count = rocks.GetFixedSizeValue(key, stored, column) ? BitConverter.ToInt64(stored[4..]) : 0;
            BitConverter.TryWriteBytes(stored, hash);
            BitConverter.TryWriteBytes(stored[4..], count + 1);
            rocks.Put(key, stored, column, write);
        }
        return Updates / watch.Elapsed.TotalSeconds;
    }

    private static double Pipeline(StateBackendKind kind, string local, int repetitions)
    {
        long Run(long records)
        {
            KeyedCountPipeline.Records = records;
            KeyedCountPipeline.Sink = new ChecksumSink();
            var options = new PipelineOptions { DefaultParallelism = 1, StateBackend = { Kind = kind, RocksDb = { LocalDirectory = local } } };
            KeyedCountPipeline.RunAsync(options).GetAwaiter().GetResult();
            return KeyedCountPipeline.Sink.Sum;
        }
        long records = Measure.Calibrate(Run, start: 1 << 16);
        long reference = Baselines.PlainLoop(records);
        var samples = new List<double>();
        for (int r = 0; r < repetitions; r++)
        {
            (double rate, long checksum) = Measure.Once(records, Run);
            if (checksum != reference)
            {
                throw new InvalidOperationException($"The {kind} pipeline computed checksum {checksum}; the plain loop computed {reference}.");
            }
            samples.Add(rate);
        }
        return Measure.Median(samples);
    }
}
