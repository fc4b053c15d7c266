using DslFlow;

namespace WordCount;

/// <summary>
/// Words per 5-second window of event time (<c>--windowed</c>): each line carries the time it was written (line n at
/// n / <see cref="WordCountPipeline.LinesPerSecond"/> seconds), its words carry it on, watermarks trail it by a second,
/// and a tumbling window per word counts them; each fired window prints its count. From the tenth second of event time
/// on, one line a second arrives 10 s after it was written, long after its window fired: its words go to the window's
/// late-records output and print as late. Windows are keyed state and timers, so a killed run resumes with
/// its open windows and prints each window, and each late word, once.
/// </summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class WindowedWordCountPipeline
{
    /// <summary>Unix milliseconds of line 0's event time.</summary>
    public const long Epoch = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    /// <summary>How far behind its neighbours a late line is stamped.</summary>
    public const long LatenessMs = 10_000;

    [Source(Parallelism = 1)]
    public static GeneratorSource<(string Line, long Time)> Lines() =>
        new(n => (Corpus.Line(n), Epoch + (long)(n * 1000 / WordCountPipeline.LinesPerSecond) - (IsLate(n) ? LatenessMs : 0)),
            WordCountPipeline.LineCount)
        {
            RecordsPerSecond = WordCountPipeline.LinesPerSecond,
        };

    /// <summary>The line in the middle of each second of event time, from the tenth second on.</summary>
    private static bool IsLate(long line)
    {
        long perSecond = Math.Max(1, (long)WordCountPipeline.LinesPerSecond);
        return line % perSecond == perSecond / 2 && line / perSecond >= LatenessMs / 1000;
    }

    [FlatMap(nameof(Lines)), Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1_000)]
    public static IEnumerable<(string Word, long Time)> Split((string Line, long Time) line) =>
        line.Line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => (word, line.Time));

    public static long TimeOf((string Word, long Time) word) => word.Time;

    public static string WordOf((string Word, long Time) word) => word.Word;

    [Window(nameof(Split), KeyBy = nameof(WordOf), SizeMs = 5_000, Result = nameof(Emit), LateRecords = "LateWords")]
    public static long Count((string Word, long Time) word, long count) => count + 1;

    public static string Emit(string word, TimeWindow window, long count) =>
        $"[{TimeSpan.FromMilliseconds(window.Start - Epoch):mm\\:ss}–{TimeSpan.FromMilliseconds(window.End - Epoch):mm\\:ss}) {word,-12} {count,10:N0}";

    [Sink(nameof(Count), Parallelism = 1)]
    public static ConsoleSink<string> Print() => new(line => "  window " + line);

    [Sink("LateWords", Parallelism = 1)]
    public static ConsoleSink<(string Word, long Time)> PrintLate() =>
        new(word => $"  late   {word.Word} written at {TimeSpan.FromMilliseconds(word.Time - Epoch):mm\\:ss}, after its window fired");
}
