using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Time.Jobs;

/// <summary>A click of a user at an event time.</summary>
public sealed record Click(string User, long Time);

/// <summary>
/// Both kinds of timers on one keyed node, for the one-task harness: each click moves the user's processing-time
/// session deadline one second ahead (deleting the old timer) and registers an event-time timer 500 ms after the click.
/// </summary>
[Pipeline]
public static partial class SessionTimeoutPipeline
{
    public const long SessionMs = 1_000;

    public static RecordingSink<string> Output { get; set; } = new();

    /// <summary>When set, the handler throws for this user (a failing timer names its node and the timer).</summary>
    public static string? FailFor { get; set; }

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 100)]
    public static CollectionSource<Click> Clicks() => new([]);

    public static long TimeOf(Click click) => click.Time;

    public static string UserOf(Click click) => click.User;

    [Process(nameof(Clicks), KeyBy = nameof(UserOf))]
    public static void Track(Click click, ValueState<long> clicks, ValueState<long> deadline, Collector<string> output, TimerService timers)
    {
        clicks.Value++;
        if (deadline.Value != 0)
        {
            timers.DeleteProcessingTimeTimer(deadline.Value);
        }
        deadline.Value = timers.CurrentProcessingTime + SessionMs;
        timers.RegisterProcessingTimeTimer(deadline.Value);
        timers.RegisterEventTimeTimer(click.Time + 500);
    }

    [OnTimer(nameof(Track))]
    public static void Expire(long time, string user, TimeDomain domain, Collector<string> output, ValueState<long> clicks, ValueState<long> deadline)
    {
        if (user == FailFor)
        {
            throw new InvalidOperationException("the handler failed on purpose");
        }
        if (domain == TimeDomain.ProcessingTime)
        {
            output.Emit($"{user}: session of {clicks.Value} clicks ended at {time}");
            clicks.Value = 0;
            deadline.Value = 0;
        }
        else
        {
            output.Emit($"{user}: event time passed {time}");
        }
    }

    [Sink(nameof(Track))]
    public static RecordingSink<string> Out() => Output;
}
