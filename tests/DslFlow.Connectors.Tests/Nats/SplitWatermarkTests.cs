using DslFlow.Connectors.Nats;

namespace DslFlow.Connectors.Tests.Nats;

/// <summary>A window's count of one subject's readings.</summary>
public readonly record struct SubjectWindow(int Subject, long Start, int Count);

/// <summary>Two subjects read by one subtask, event time from each reading's value, counted in one-second windows.</summary>
[Pipeline]
public static partial class SubjectWindows
{
    public static string Url { get; set; } = "";

    public static string Input { get; set; } = "";

    public static CollectSink<SubjectWindow> Output { get; set; } = new();

    public static CollectSink<Reading> LateOutput { get; set; } = new();

    [Source(Parallelism = 1), Watermarks(nameof(EventTime), OutOfOrdernessMs = 1, IntervalMs = 5)]
    public static JetStreamSource<Reading> Readings() => new(Url, Input, ReadingPayload.Json) { Subjects = [$"{Input}.0", $"{Input}.1"], Bounded = true };

    public static long EventTime(Reading reading) => reading.Value;

    public static int SubjectOf(Reading reading) => (int)(reading.Id % 2);

    [Window(nameof(Readings), KeyBy = nameof(SubjectOf), SizeMs = 1_000, LateRecords = "Late")]
    public static SubjectWindow Count(int subject, TimeWindow window, IReadOnlyList<Reading> readings) =>
        new(subject, window.Start, readings.Count);

    [Sink(nameof(Count))]
    public static CollectSink<SubjectWindow> Out() => Output;

    [Sink("Late")]
    public static CollectSink<Reading> LateOut() => LateOutput;
}

/// <summary>
/// Each subject is a split with its own event time: one subject read ahead of the other in one subtask does not make
/// the other's readings late (a single watermark per subtask would follow the one ahead).
/// </summary>
[Collection(NatsPipelineCollection.Name)]
public class SplitWatermarkTests(NatsFixture nats) : IClassFixture<NatsFixture>
{
    [Fact]
    public async Task A_subject_read_ahead_of_another_makes_none_of_the_other_subjects_readings_late()
    {
        const int perSubject = 5_000; // timestamps 0, 10, ... ms: 50 one-second windows per subject
        string input = nats.CreateStream();
        // All of subject 0 is stored first: its consumer has its whole backlog while subject 1's is still behind.
        nats.Publish(input, Enumerable.Range(0, perSubject).Select(i => new Reading(2L * i, 10L * i)), subjects: 2);
        nats.Publish(input, Enumerable.Range(0, perSubject).Select(i => new Reading(2L * i + 1, 10L * i)), subjects: 2);
        SubjectWindows.Url = nats.Url;
        SubjectWindows.Input = input;
        SubjectWindows.Output = new CollectSink<SubjectWindow>();
        SubjectWindows.LateOutput = new CollectSink<Reading>();

        JobHandle job = SubjectWindows.Start(new PipelineOptions { BufferSize = 16 });
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Empty(SubjectWindows.LateOutput.Results);
        Assert.Equal(
            [.. Enumerable.Range(0, 2).SelectMany(s => Enumerable.Range(0, 50).Select(w => new SubjectWindow(s, w * 1_000L, 100)))],
            SubjectWindows.Output.Results.OrderBy(w => w.Subject).ThenBy(w => w.Start));
    }
}
