using System.Diagnostics;
using DslFlow;
using WordCount;

// Usage: dotnet run --project samples/WordCount [-- --lines N --rate LINES_PER_SECOND]
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--lines": WordCountPipeline.LineCount = long.Parse(args[i + 1]); break;
        case "--rate": WordCountPipeline.LinesPerSecond = double.Parse(args[i + 1]); break;
        default: Console.Error.WriteLine($"Unknown option {args[i]}; use --lines N and --rate LINES_PER_SECOND."); return 2;
    }
}

Console.WriteLine(WordCountPipeline.Graph);
Console.WriteLine($"Counting words in {WordCountPipeline.LineCount:N0} generated lines at {WordCountPipeline.LinesPerSecond:N0} lines/s...");
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };

var options = new PipelineOptions();
options.Checkpointing.Interval = TimeSpan.FromSeconds(1); // aligned, exactly-once barriers; metadata in ./checkpoints
options.Checkpointing.Directory = "checkpoints";
await using JobHandle job = WordCountPipeline.Start(options, cancel.Token);
var clock = Stopwatch.StartNew();
long lastWords = 0;
TimeSpan lastTime = TimeSpan.Zero;
while (!job.Completion.IsCompleted)
{
    await Task.WhenAny(job.Completion, Task.Delay(1000));
    JobProgress p = job.GetProgress();
    long words = p.Tasks.Where(t => t.TaskName.StartsWith("Count", StringComparison.Ordinal)).Sum(t => t.RecordsIn);
    double rate = (words - lastWords) / Math.Max(1e-3, (p.Elapsed - lastTime).TotalSeconds);
    var last = job.Checkpoints.LastOrDefault(c => c.Status != DslFlow.Checkpointing.CheckpointStatus.InProgress);
    string checkpoint = last is null ? "" : $"   checkpoint {last.Id} {last.Status.ToString().ToLowerInvariant()} in {last.Duration?.TotalMilliseconds:N0} ms";
    Console.WriteLine($"[{p.Elapsed:mm\\:ss}] lines {p.SourceRecords,12:N0}   words {words,13:N0}   {rate,12:N0} words/s{checkpoint}");
    (lastWords, lastTime) = (words, p.Elapsed);
}

JobResult result = await job.Completion;
Console.WriteLine();
Console.WriteLine($"Done in {result.Duration.TotalSeconds:N1} s: {WordCountPipeline.Latest.Total:N0} words counted.");
Console.WriteLine("Top 10 words:");
foreach ((string word, long count) in WordCountPipeline.Latest.Top(10))
{
    Console.WriteLine($"  {word,-12} {count,12:N0}");
}
return 0;
