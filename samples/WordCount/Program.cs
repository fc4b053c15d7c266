using System.Diagnostics;
using DslFlow;
using WordCount;

// Usage: dotnet run --project samples/WordCount [-- --lines N --rate LINES_PER_SECOND --fresh --unaligned --debloat --changelog --windowed]
// Stop it (Ctrl+C, or kill -9) and run it again: it resumes from the latest checkpoint in ./checkpoints/WordCountPipeline.
// --unaligned takes unaligned checkpoints (barriers overtake in-flight records, which are saved with the checkpoint);
// --debloat sizes the buffers between tasks to ~1 s of the counting task's throughput (buffer debloating);
// --changelog checkpoints incrementally: word counts are logged as they change and materialized every 10 s;
// --windowed counts words per 5-second window of event time instead (a [Window] node), printing each window once.
bool fresh = false, unaligned = false, debloat = false, changelog = false, windowed = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--lines" when i + 1 < args.Length: WordCountPipeline.LineCount = long.Parse(args[++i]); break;
        case "--rate" when i + 1 < args.Length: WordCountPipeline.LinesPerSecond = double.Parse(args[++i]); break;
        case "--fresh": fresh = true; break;
        case "--unaligned": unaligned = true; break;
        case "--debloat": debloat = true; break;
        case "--changelog": changelog = true; break;
        case "--windowed": windowed = true; break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}; use --lines N, --rate LINES_PER_SECOND, --fresh, --unaligned, --debloat, --changelog and --windowed."); return 2;
    }
}

Console.WriteLine(windowed ? WindowedWordCountPipeline.Graph : WordCountPipeline.Graph);
Console.WriteLine($"Counting words in {WordCountPipeline.LineCount:N0} generated lines at {WordCountPipeline.LinesPerSecond:N0} lines/s...");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new PipelineOptions();
options.Checkpointing.Interval = TimeSpan.FromSeconds(1); // aligned, exactly-once barriers; metadata in ./checkpoints
options.Checkpointing.Directory = "checkpoints";
options.Checkpointing.StartFresh = fresh; // otherwise resume from the latest completed checkpoint, if any
options.Checkpointing.Unaligned = unaligned;
options.BufferDebloat.Enabled = debloat;
options.Changelog.Enabled = changelog;
options.Changelog.MaterializationInterval = TimeSpan.FromSeconds(10);
await using JobHandle job = windowed ? WindowedWordCountPipeline.Start(options, cancel.Token) : WordCountPipeline.Start(options, cancel.Token);
Console.WriteLine(job.RestoredCheckpointId is long restored
    ? $"Resumed from checkpoint {restored} in ./checkpoints: source position and word counts restored (--fresh starts over)."
    : "Starting from the beginning.");
var clock = Stopwatch.StartNew();
long lastWords = 0;
TimeSpan lastTime = TimeSpan.Zero;
while (!job.Completion.IsCompleted)
{
    await Task.WhenAny(job.Completion, Task.Delay(1000));
    JobProgress p = job.GetProgress();
    long words = p.Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Sum(t => t.RecordsIn);
    double rate = (words - lastWords) / Math.Max(1e-3, (p.Elapsed - lastTime).TotalSeconds);
    string checkpoint = CheckpointLine(job.CheckpointStats);
    string buffers = p.Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Min(t => t.InputBufferSize) is int size
        ? $"   buffers {size} records" : "";
    Console.WriteLine($"[{p.Elapsed:mm\\:ss}] lines {p.SourceRecords,12:N0}   words {words,13:N0}   {rate,12:N0} words/s{buffers}{checkpoint}");
    (lastWords, lastTime) = (words, p.Elapsed);
}

JobResult result;
try
{
    result = await job.Completion;
}
catch (OperationCanceledException)
{
    Console.WriteLine("Stopped. The checkpoints stay in ./checkpoints: run again to resume where it was.");
    return 130;
}
Console.WriteLine();
if (windowed)
{
    Console.WriteLine($"Done in {result.Duration.TotalSeconds:N1} s: every word's 5-second windows are printed above, each once, and the words of lines that came too late for their window.");
    return 0;
}
Console.WriteLine($"Done in {result.Duration.TotalSeconds:N1} s: {WordCountPipeline.Latest.Total:N0} words counted.");
Console.WriteLine("Top 10 words:");
foreach ((string word, long count) in WordCountPipeline.Latest.Top(10))
{
    Console.WriteLine($"  {word,-12} {count,12:N0}");
}
return 0;

// The live checkpoint figures: the latest checkpoint that ended, its duration and state size, and the totals.
static string CheckpointLine(DslFlow.Checkpointing.CheckpointStats? stats)
{
    var last = stats?.History.LastOrDefault(c => c.Status != DslFlow.Checkpointing.CheckpointStatus.InProgress);
    if (last is null)
    {
        return "";
    }
    string inFlight = last.IsUnaligned ? $", unaligned with {last.PersistedInFlightBytes / 1024.0:N1} KB in flight" : "";
    // Incremental beside full size: with --changelog a checkpoint adds its log tail and references the last materialization.
    string size = last.Status == DslFlow.Checkpointing.CheckpointStatus.Completed
        ? $"{last.IncrementalSize / 1024.0:N1} KB new of {last.FullSize / 1024.0:N1} KB" : $"{last.StateSize / 1024.0:N1} KB";
    // With --changelog: the materializations so far and the latest one's size and duration.
    string materialized = stats!.Materializations.LastOrDefault(m => m.Completed) is { } m
        ? $", {stats.CompletedMaterializations} materialized (last {m.FullSize / 1024.0:N1} KB in {m.Duration.TotalMilliseconds:N0} ms"
            + $"{(stats.FailedMaterializations > 0 ? $", {stats.FailedMaterializations} failed" : "")})"
        : "";
    return $"   checkpoint {last.Id} {last.Status.ToString().ToLowerInvariant()} in {last.Duration?.TotalMilliseconds:N0} ms, "
        + $"{size}{inFlight} ({stats.Counts.Completed} completed, {stats.Counts.Failed} failed{materialized})";
}
