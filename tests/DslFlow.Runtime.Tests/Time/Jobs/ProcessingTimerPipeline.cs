using DslFlow.Runtime.Tests.Recovery;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>
/// Processing-time timers in a job on a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>: each record
/// counts into its key and registers the key's timer at a fixed processing time; the timer emits the key's count. The
/// test lets every record in, checkpoints, then moves the clock past the timers, failing the first handler call.
/// </summary>
[Pipeline]
public static partial class ProcessingTimerPipeline
{
    public const int Keys = 8;
    public const long Epoch = 1_700_000_000_000;
    public const long FirstTimer = Epoch + 3_600_000;

    private static int s_timerCalls;

    public static HeldSource Source { get; set; } = new(0, 0);

    public static CollectSink<(int Key, long Time, long Count)> Output { get; set; } = new();

    /// <summary>Handler calls that throw, counted over the whole job.</summary>
    public static int FailingTimerCalls { get; set; }

    public static void Reset(long records, int failingTimerCalls)
    {
        Source = new HeldSource(0, records);
        Output = new CollectSink<(int Key, long Time, long Count)>();
        FailingTimerCalls = failingTimerCalls;
        s_timerCalls = 0;
    }

    [Source]
    public static HeldSource Numbers() => Source;

    public static int KeyOf(long n) => (int)(n % Keys);

    [Process(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static void Count(long n, ValueState<long> count, Collector<(int Key, long Time, long Count)> output, TimerService timers)
    {
        count.Value++;
        timers.RegisterProcessingTimeTimer(FirstTimer + KeyOf(n) * 1_000);
    }

    [OnTimer(nameof(Count))]
    public static void Fire(long time, int key, Collector<(int Key, long Time, long Count)> output, ValueState<long> count)
    {
        if (Interlocked.Increment(ref s_timerCalls) <= FailingTimerCalls)
        {
            throw new InjectedFailureException("injected failure in a processing-time timer");
        }
        output.Emit((key, time, count.Value));
    }

    [Sink(nameof(Count))]
    public static CollectSink<(int Key, long Time, long Count)> Out() => Output;
}
