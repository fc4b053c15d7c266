using System.Diagnostics;
using System.Globalization;
using DslFlow.Bench.Harness;
using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;

namespace DslFlow.Bench.StateBackends;

/// <summary>
/// The larger-than-memory run of <c>state-backends</c>, in a child process of its own so that its peak memory is
/// RocksDB's and this run's alone: 10 M keys of 96 bytes with 128-byte values (≈ 2.2 GB, flink-benchmarks' rescaling
/// shape) in one subtask's RocksDB with a 256 MB budget, written through the backend as generated code drives it;
/// a first checkpoint, then ≥ 20 steady-state checkpoints each after 1 % of the keys changed (bytes copied ÷ bytes a
/// full checkpoint would copy); then restores of the last one into one subtask, into two (1→2), and of the two-subtask
/// checkpoint back into one (2→1). Prints <c>figure value</c> lines for the parent to collect.
/// </summary>
internal static class LargeStateRun
{
    private const string StateName = "Store.value";
    private const int MaxParallelism = 128;
    private const int SteadyCheckpoints = 22;
    private const int Warmup = 2;
    private static long _peakBeforeReset; // the whole run's peak resident memory before the last reset

    public static async Task<int> RunAsync(string work, long keys)
    {
        string local = Path.Combine(work, "rocksdb");
        var storage = new LocalCheckpointStorage(Path.Combine(work, "checkpoints"), retainedCheckpoints: 1);
        var options = new StateBackendOptions
        {
            Kind = StateBackendKind.RocksDb,
            RocksDb = { LocalDirectory = local, BlockCacheSize = 256L << 20 },
        };
        var all = new KeyGroupRange(0, MaxParallelism - 1);
        long id = 0;
        using (Subtask writer = Subtask.Open(options, all, 0, 1, "write"))
        {
            var fill = Stopwatch.StartNew();
            for (long k = 0; k < keys; k++)
            {
                writer.Put(k, version: 0);
            }
            Emit("fill_s", fill.Elapsed.TotalSeconds);
            Phase("filled");
            (long firstCopied, long firstFull) = await CheckpointAsync(storage, ++id, writer);
            Emit("first_checkpoint_bytes", firstCopied);
            Emit("full_checkpoint_bytes", firstFull);

            var random = new Random(16);
            var ratios = new List<double>();
            long changes = keys / 100;
            for (int c = 0; c < SteadyCheckpoints + Warmup; c++)
            {
                for (long i = 0; i < changes; i++)
                {
                    writer.Put(random.NextInt64(keys), version: c + 1);
                }
                (long copied, long full) = await CheckpointAsync(storage, ++id, writer);
                if (c >= Warmup)
                {
                    ratios.Add((double)copied / full);
                }
                Console.Error.WriteLine($"checkpoint {id}: copied {copied >> 20} MiB of {full >> 20} MiB");
            }
            double[] sorted = [.. ratios.Order()];
            Emit("incremental_bytes_ratio", ratios.Average());
            Emit("incremental_bytes_ratio_p95", Measure.Percentile(sorted, 0.95));
            Emit("incremental_checkpoints", ratios.Count);
            Phase("checkpointed");
            await FullCheckpointAsync(Path.Combine(work, "full"), id + 1, writer); // in storage of its own: not restored below
        }

        long restored = id;
        double oneToOne = await TimeRestoreAsync(storage, options, restored, 1, "one");
        Phase("restored 1 to 1");
        (double oneToTwo, Subtask[] two) = await RestoreAsync(storage, options, restored, 2, "two");
        Phase("restored 1 to 2");
        await CheckpointAsync(storage, ++id, two);
        foreach (Subtask subtask in two)
        {
            subtask.Dispose();
        }
        double twoToOne = await TimeRestoreAsync(storage, options, id, 1, "back");
        Phase("restored 2 to 1");
        Emit("restore_1_to_1_ms", oneToOne);
        Emit("restore_1_to_2_ms", oneToTwo);
        Emit("restore_2_to_1_ms", twoToOne);
        Emit("rescale_restore_ratio", oneToTwo / oneToOne);
        Emit("peak_memory_mb", Math.Max(_peakBeforeReset, PeakResidentMegabytes()));
        return 0;
    }

    private static async Task<double> TimeRestoreAsync(LocalCheckpointStorage storage, StateBackendOptions options, long id,
        int parallelism, string attempt)
    {
        (double ms, Subtask[] subtasks) = await RestoreAsync(storage, options, id, parallelism, attempt);
        foreach (Subtask subtask in subtasks)
        {
            subtask.Dispose();
        }
        return ms;
    }

    /// <summary>Restores checkpoint <paramref name="id"/> into <paramref name="parallelism"/> subtasks at once (as a job's tasks do).</summary>
    private static async Task<(double Ms, Subtask[] Subtasks)> RestoreAsync(LocalCheckpointStorage storage, StateBackendOptions options,
        long id, int parallelism, string attempt)
    {
        RestoredCheckpoint checkpoint = await RestoredCheckpoint.LoadAsync(storage, (await storage.LoadCheckpointAsync(id))!, CancellationToken.None);
        Subtask[] subtasks = [.. Enumerable.Range(0, parallelism).Select(s =>
            Subtask.Open(options, KeyGroups.RangeOf(s, parallelism, MaxParallelism), s, parallelism, attempt, storage))];
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(subtasks.Select(s => Task.Run(() => s.States.Restore(checkpoint))));
        double ms = watch.Elapsed.TotalMilliseconds;
        Console.Error.WriteLine($"restore {attempt} of checkpoint {id} into {parallelism}: {ms:N0} ms");
        return (ms, subtasks);
    }

    /// <summary>Takes and completes a checkpoint; returns the bytes copied for it and the bytes of every file it lists.</summary>
    private static async Task<(long Copied, long Full)> CheckpointAsync(LocalCheckpointStorage storage, long id, params Subtask[] subtasks)
    {
        var states = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        foreach (Subtask subtask in subtasks)
        {
            using TaskSnapshot snapshot = subtask.States.Snapshot(id, _ => { });
            states[new("Store", subtask.Index)] = await snapshot.WriteAsync(storage, id, $"Store-{subtask.Index}.state", CancellationToken.None);
        }
        await storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, states));
        foreach (Subtask subtask in subtasks)
        {
            subtask.States.NotifyCheckpointComplete(id);
        }
        List<StateHandle> handles = [.. states.Values.SelectMany(h => h)];
        return (handles.Where(h => h.CheckpointId == id).Sum(h => h.Length), handles.Sum(h => h.Length));
    }

    /// <summary>
    /// A full (non-incremental) checkpoint of the whole state — what <c>IncrementalCheckpoints = false</c> and every changelog
    /// materialization write: read from one RocksDB snapshot key group by key group into the common format. Its own peak
    /// resident memory (the high-water mark is reset first) shows it streams rather than holds the state.
    /// </summary>
    private static async Task FullCheckpointAsync(string folder, long id, Subtask subtask)
    {
        var storage = new LocalCheckpointStorage(folder, retainedCheckpoints: 1);
        GC.Collect();
        ResetPeakResident();
        var watch = Stopwatch.StartNew();
        using var snapshot = new TaskSnapshot(0, 1, MaxParallelism, [], subtask.Backend.Snapshot(id));
        IReadOnlyList<StateHandle> written = await snapshot.WriteAsync(storage, id, "Store-0.state", CancellationToken.None);
        Emit("full_mode_checkpoint_s", watch.Elapsed.TotalSeconds);
        Emit("full_mode_checkpoint_bytes", written.Sum(h => h.Length));
        Emit("full_mode_checkpoint_peak_memory_mb", PeakResidentMegabytes());
        Phase("full checkpoint");
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Resets the process's resident high-water mark (VmHWM), so the next reading is one phase's peak.</summary>
    private static void ResetPeakResident()
    {
        _peakBeforeReset = Math.Max(_peakBeforeReset, PeakResidentMegabytes());
        File.WriteAllText("/proc/self/clear_refs", "5");
    }

    /// <summary>Where the memory went (stderr): resident now, peak so far, and the managed heap.</summary>
    private static void Phase(string name)
    {
        string[] status = File.ReadAllLines("/proc/self/status");
        string Field(string key) => status.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?[key.Length..].Trim() ?? "?";
        Console.Error.WriteLine($"{name}: VmRSS {Field("VmRSS:")}, VmHWM {Field("VmHWM:")}, managed heap {GC.GetTotalMemory(false) >> 20} MiB, "
            + $"GC committed {GC.GetGCMemoryInfo().TotalCommittedBytes >> 20} MiB");
    }

    private static void Emit(string figure, double value) =>
        Console.WriteLine($"{figure} {value.ToString("R", CultureInfo.InvariantCulture)}");

    private static long PeakResidentMegabytes()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    /// <summary>One subtask's RocksDB backend with the one value state, driven as generated code drives it.</summary>
    private sealed class Subtask(int index, IKeyedStateBackend backend, KeyedState<string, string> state, TaskStates states) : IDisposable
    {
        private readonly ValueState<string> _value = Bind(state);

        public int Index => index;

        public IKeyedStateBackend Backend => backend;

        public TaskStates States => states;

        public static Subtask Open(StateBackendOptions options, KeyGroupRange range, int index, int parallelism, string attempt,
            LocalCheckpointStorage? storage = null)
        {
            IKeyedStateBackend backend = KeyedStateBackends.Create(options, range, MaxParallelism, $"bench-{attempt}/Store-{index}");
            KeyedState<string, string> state = backend.GetOrCreateState(
                new KeyedStateDescriptor<string, string>(StateName, KeyedStateKind.Value, null, null));
            return new Subtask(index, backend, state, new TaskStates("Store", backend, options, index, parallelism, MaxParallelism, storage));
        }

        /// <summary>Key <paramref name="k"/> (96 bytes) gets a 128-byte value of <paramref name="version"/>.</summary>
        public void Put(long k, int version)
        {
            string key = k.ToString("D96", CultureInfo.InvariantCulture);
            int hash = StableHash.Of(key);
            _value.Slot = state.Slot(key, hash, KeyGroups.Assign(hash, MaxParallelism));
            _value.Value = string.Create(128, (k, version), static (span, kv) =>
            {
                ulong x = (ulong)(kv.k * 31 + kv.version) * 0x9E3779B97F4A7C15UL;
                for (int i = 0; i < span.Length; i++)
                {
                    x ^= x >> 29;
                    x *= 0xBF58476D1CE4E5B9UL;
                    span[i] = (char)('a' + (int)(x % 26));
                }
            });
        }

        public void Dispose() => backend.Dispose();

        private static ValueState<string> Bind(KeyedState<string, string> state)
        {
            var value = new ValueState<string>();
            value.Bind(state);
            return value;
        }
    }
}
