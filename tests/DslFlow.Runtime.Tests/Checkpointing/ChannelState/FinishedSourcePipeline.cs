using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>
/// Two unioned sources into a keyed node (the shape of issue 11, defect 7): <c>Quick</c>, one subtask, emits a few
/// buffers and ends; <c>Live</c> emits its share and keeps running until the test ends it.
/// </summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class FinishedSourcePipeline
{
    public const long QuickRecords = 128;
    public const long LiveTag = 1L << 40;
    public const long LiveRecords = 1_000;

    public static HeldSource QuickInput { get; set; } = new(0, QuickRecords);

    public static HeldSource LiveInput { get; set; } = new(LiveTag, LiveTag + LiveRecords);

    public static CollectSink<long> Output { get; set; } = new();

    /// <summary>Counts the records of <c>Quick</c> the keyed node processed, and fails one on cue.</summary>
    public static QuickRecordProbe Probe { get; set; } = new();

    [Source(Parallelism = 1)]
    public static HeldSource Quick() => QuickInput;

    [Source]
    public static HeldSource Live() => LiveInput;

    [Map(nameof(Quick), nameof(Live), KeyBy = nameof(KeyOf))]
    public static long Count(long value, ValueState<long> seen)
    {
        if (value < LiveTag)
        {
            Probe.OnQuickRecord();
        }
        seen.Value++;
        return value;
    }

    [Sink(nameof(Count))]
    public static CollectSink<long> Out() => Output;

    public static long KeyOf(long value) => value % 16;

    public static IEnumerable<long> Expected() =>
        Enumerable.Range(0, (int)QuickRecords).Select(i => (long)i).Concat(Enumerable.Range(0, (int)LiveRecords).Select(i => LiveTag + i));
}

/// <summary>What the keyed node saw of <c>Quick</c>, over every attempt of the job.</summary>
public sealed class QuickRecordProbe
{
    private long _consumed;
    private int _failNext;

    /// <summary>Records of <c>Quick</c> processed so far.</summary>
    public long Consumed => Interlocked.Read(ref _consumed);

    /// <summary>The next record of <c>Quick</c> fails the job (once).</summary>
    public void FailNext() => Volatile.Write(ref _failNext, 1);

    public void OnQuickRecord()
    {
        if (Interlocked.Exchange(ref _failNext, 0) == 1)
        {
            throw new InvalidOperationException("injected failure after the checkpoint");
        }
        Interlocked.Increment(ref _consumed);
    }
}
