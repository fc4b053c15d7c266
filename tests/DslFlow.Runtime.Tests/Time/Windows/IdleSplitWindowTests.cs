using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Time.Windows;

/// <summary>
/// Two sources into one window node, on a fake clock: one emits numbers and stays open, the other is held open and
/// emits nothing. With an idleness timeout on the silent one it stops holding the window node's watermark back, so the
/// active source's windows fire while both are still open.
/// </summary>
[Pipeline]
public static partial class IdleSplitWindowPipeline
{
    public static HeldSource Numbers { get; set; } = new(0, 2_000);

    public static HeldSource Silent { get; set; } = new(0, 0);

    public static RecordingSink<string> Output { get; set; } = new();

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 10, IntervalMs = 10)]
    public static HeldSource Active() => Numbers;

    [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 10, IdleTimeoutMs = 100, IntervalMs = 10)]
    public static HeldSource Idle() => Silent;

    public static long TimeOf(long n) => n;

    public static long KeyOf(long n) => n % 4;

    [Window(nameof(Active), nameof(Idle), KeyBy = nameof(KeyOf), SizeMs = 100, Result = nameof(Emit))]
    public static long Count(long n, long count) => count + 1;

    public static string Emit(long key, TimeWindow window, long count) => $"{key} {window} {count}";

    [Sink(nameof(Count))]
    public static RecordingSink<string> Out() => Output;
}

public sealed class IdleSplitWindowTests
{
    [Fact]
    public async Task An_idle_source_does_not_stall_the_windows_of_the_active_one()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        IdleSplitWindowPipeline.Numbers = new HeldSource(0, 2_000);
        IdleSplitWindowPipeline.Numbers.Started.SetResult();
        IdleSplitWindowPipeline.Silent = new HeldSource(0, 0);
        IdleSplitWindowPipeline.Output = new RecordingSink<string>();
        await using JobHandle job = IdleSplitWindowPipeline.Start(new PipelineOptions { DefaultParallelism = 1, TimeProvider = time });
        Eventually.True(() => job.GetProgress().Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Sum(t => t.RecordsIn) == 2_000,
            "every number reached the window node", timeoutMs: 60_000);
        Assert.Empty(IdleSplitWindowPipeline.Output.Records); // the silent source holds the watermark back

        for (int tick = 0; tick < 20; tick++)
        {
            time.Advance(TimeSpan.FromMilliseconds(10)); // watermarks every 10 ms; the silent source idles after 100 ms
            await Task.Delay(1);
        }

        // Every window up to the active source's watermark (1999 − 10 − 1) fires while both sources are still open.
        Eventually.True(() => IdleSplitWindowPipeline.Output.Records.Count == 4 * 19, "windows fired with a source idle", timeoutMs: 60_000);
        Assert.False(job.Completion.IsCompleted);
        Assert.Contains("0 [0, 100) 25", IdleSplitWindowPipeline.Output.Records);

        IdleSplitWindowPipeline.Silent.Started.SetResult();
        IdleSplitWindowPipeline.Silent.Ended.SetResult();
        IdleSplitWindowPipeline.Numbers.Ended.SetResult();
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(4 * 20, IdleSplitWindowPipeline.Output.Records.Count); // the end of input fired the last ones, each once
        Assert.Equal(IdleSplitWindowPipeline.Output.Records.Count, IdleSplitWindowPipeline.Output.Records.Distinct().Count());
    }
}
