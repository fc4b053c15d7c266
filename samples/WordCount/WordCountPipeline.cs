using DslFlow;

namespace WordCount;

/// <summary>
/// Counts words of a generated text: lines → words → a running count per word (keyed state) → milestones printed
/// and final totals kept by a small custom sink.
/// </summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class WordCountPipeline
{
    /// <summary>Lines to generate; with <see cref="LinesPerSecond"/> the run takes about 15 seconds.</summary>
    public static long LineCount { get; set; } = 3_000_000;

    /// <summary>Rate limit of the source, so the sample runs for a predictable time on any machine.</summary>
    public static double LinesPerSecond { get; set; } = 200_000;

    /// <summary>The latest count of every word, filled by the <see cref="Totals"/> sink.</summary>
    public static LatestCountSink Latest { get; } = new();

    [Source(Parallelism = 1)]
    public static GeneratorSource<string> Lines() => new(Corpus.Line, LineCount) { RecordsPerSecond = LinesPerSecond };

    [FlatMap(nameof(Lines))]
    public static IEnumerable<string> Split(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Map(nameof(Split), KeyBy = nameof(Word))]
    public static (string Word, long Count) Count(string word, ValueState<long> count)
    {
        count.Value++;
        return (word, count.Value);
    }

    public static string Word(string word) => word;

    [Process(nameof(Count))]
    public static void Milestones((string Word, long Count) counted, Collector<string> output)
    {
        if (counted.Count % 250_000 == 0)
        {
            output.Emit($"'{counted.Word}' reached {counted.Count:N0}");
        }
    }

    [Sink(nameof(Milestones), Parallelism = 1)]
    public static ConsoleSink<string> Print() => new(line => "  milestone: " + line);

    [Sink(nameof(Count))]
    public static LatestCountSink Totals() => Latest;
}
