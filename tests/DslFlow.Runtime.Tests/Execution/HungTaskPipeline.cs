using System.Collections.Concurrent;

namespace DslFlow.Runtime.Tests.Execution;

/// <summary>
/// One chain, Numbers → Stall → Out, at parallelism 2: subtask 0 reads <c>[0, Records/2)</c>, subtask 1 the rest. The map
/// hangs or fails on cue (<see cref="HangingMap"/>); the sink records which writer wrote each record.
/// </summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class HungTaskPipeline
{
    public static long Records { get; set; } = 1_000;

    public static HangingMap Hang { get; set; } = new(-1, -1);

    public static RecordingSink Output { get; set; } = new();

    [Source]
    public static SequenceSource Numbers() => new(0, Records);

    [Map(nameof(Numbers))]
    public static long Stall(long value) => Hang.OnRecord(value);

    [Sink(nameof(Stall))]
    public static RecordingSink Out() => Output;
}

/// <summary>
/// User code that never returns: the first call with <c>hangAt</c> blocks until the test sets <see cref="Release"/>, and
/// ignores cancellation on purpose. The first call with <c>failAt</c> waits until that hang began (if there is one), then
/// throws, so the job fails over while the other subtask hangs. Later calls (the restarted run) pass every value through.
/// </summary>
public sealed class HangingMap(long hangAt, long failAt)
{
    private int _hangArmed = 1;
    private int _failArmed = 1;

    /// <summary>Set once a call hangs.</summary>
    public ManualResetEventSlim Hung { get; } = new();

    /// <summary>Set by the test: the hung call returns.</summary>
    public ManualResetEventSlim Release { get; } = new();

    /// <summary>Set once the hung call returned.</summary>
    public ManualResetEventSlim Returned { get; } = new();

    public long OnRecord(long value)
    {
        if (value == hangAt && Interlocked.Exchange(ref _hangArmed, 0) == 1)
        {
            Hung.Set();
            Release.Wait();
            Returned.Set();
        }
        else if (value == failAt && Interlocked.Exchange(ref _failArmed, 0) == 1)
        {
            if (hangAt >= 0)
            {
                Hung.Wait();
            }
            throw new InvalidOperationException($"failing on {value} while another subtask hangs");
        }
        return value;
    }
}

/// <summary>
/// A sink without transactions (like an insert into a database): every write is visible at once. Each record is kept
/// with its subtask and the writer's generation there (1 for the first run's writer, 2 after a restart, …). With
/// <paramref name="hangInFirstDispose"/>, disposing the first run's writer of subtask 0 blocks until <see cref="Release"/>.
/// </summary>
public sealed class RecordingSink(bool hangInFirstDispose = false) : ISink<long>
{
    private readonly ConcurrentDictionary<int, int> _generations = new();
    private readonly bool _hangInFirstDispose = hangInFirstDispose;

    public ConcurrentQueue<(int Subtask, int Generation, long Value)> Writes { get; } = new();

    /// <summary>Set once the hanging <c>Dispose</c> began.</summary>
    public ManualResetEventSlim DisposeHung { get; } = new();

    /// <summary>Set by the test: the hanging <c>Dispose</c> returns.</summary>
    public ManualResetEventSlim Release { get; } = new();

    public ISinkWriter<long> CreateWriter(NodeContext context) =>
        new Writer(this, context.SubtaskIndex, _generations.AddOrUpdate(context.SubtaskIndex, 1, (_, g) => g + 1));

    private sealed class Writer(RecordingSink sink, int subtask, int generation) : ISinkWriter<long>
    {
        public void Write(ReadOnlySpan<long> records)
        {
            foreach (long value in records)
            {
                sink.Writes.Enqueue((subtask, generation, value));
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
            if (sink._hangInFirstDispose && subtask == 0 && generation == 1)
            {
                sink.DisposeHung.Set();
                sink.Release.Wait();
            }
        }
    }
}
