using DslFlow;

namespace WordCount;

/// <summary>
/// Words per 5-second window of event time (<c>--windowed</c>): each line carries the time it was written (line n at
/// n / <see cref="WordCountPipeline.LinesPerSecond"/> seconds), its words carry it on, watermarks trail it by a second,
/// and a tumbling window per word counts them; each fired window prints its count. Windows are keyed state and timers,
/// so a killed run resumes with its open windows and prints each window once.
/// </summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class WindowedWordCountPipeline
{
    /// <summary>Unix milliseconds of line 0's event time.</summary>
    public const long Epoch = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    [Source(Parallelism = 1)]
    public static GeneratorSource<(string Line, long Time)> Lines() =>
        new(n => (Corpus.Line(n), Epoch + (long)(n * 1000 / WordCountPipeline.LinesPerSecond)), WordCountPipeline.LineCount)
        {
            RecordsPerSecond = WordCountPipeline.LinesPerSecond,
        };

    [FlatMap(nameof(Lines)), Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1_000)]
    public static IEnumerable<(string Word, long Time)> Split((string Line, long Time) line) =>
        line.Line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => (word, line.Time));

    public static long TimeOf((string Word, long Time) word) => word.Time;

    public static string WordOf((string Word, long Time) word) => word.Word;

    [Window(nameof(Split), KeyBy = nameof(WordOf), SizeMs = 5_000, Result = nameof(Emit))]
    public static long Count((string Word, long Time) word, long count) => count + 1;

    public static string Emit(string word, TimeWindow window, long count) =>
        $"[{TimeSpan.FromMilliseconds(window.Start - Epoch):mm\\:ss}–{TimeSpan.FromMilliseconds(window.End - Epoch):mm\\:ss}) {word,-12} {count,10:N0}";

    [Sink(nameof(Count), Parallelism = 1)]
    public static ConsoleSink<string> Print() => new(line => "  window " + line);
}
