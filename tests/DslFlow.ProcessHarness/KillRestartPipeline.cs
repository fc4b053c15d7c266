using DslFlow;

namespace DslFlow.ProcessHarness;

/// <summary>
/// Counts numbers per key (v mod <see cref="Keys"/>) and writes every running count to a transactional file sink:
/// the committed files of a run hold each (key, count) exactly once, whatever crashes it survived.
/// </summary>
[Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 20)] // the harness sets the same interval in its options
public static partial class KillRestartPipeline
{
    public const int Keys = 97;

    public static long RecordCount { get; set; } = 60_000;

    public static double? RecordsPerSecond { get; set; }

    public static string OutputDirectory { get; set; } = "out";

    public static FileCompaction? Compaction { get; set; }

    [Source]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    [Map(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static (long Key, long Count) Count(long value, ValueState<long> count)
    {
        count.Value++;
        return (KeyOf(value), count.Value);
    }

    public static long KeyOf(long value) => value % Keys;

    [Sink(nameof(Count))]
    public static FileSink<(long Key, long Count)> Committed() => new(OutputDirectory, r => $"{r.Key} {r.Count}") { Compaction = Compaction };
}
