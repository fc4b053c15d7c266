using DslFlow;
using DslFlow.ProcessHarness;

// Usage: DslFlow.ProcessHarness <work directory> <records> <records per second, 0 = unlimited> [aligned|unaligned|compacting]
// Checkpoints every 20 ms into <work>/checkpoints, output in <work>/out; resumes from the latest checkpoint.
// "compacting" is aligned with file-sink compaction every second checkpoint.
if (args.Length is < 3 or > 4 || !long.TryParse(args[1], out long records) || !double.TryParse(args[2], out double rate)
    || (args.Length == 4 && args[3] is not ("aligned" or "unaligned" or "compacting")))
{
    Console.Error.WriteLine("usage: DslFlow.ProcessHarness <work directory> <records> <records per second, 0 = unlimited> [aligned|unaligned|compacting]");
    return 2;
}
KillRestartPipeline.RecordCount = records;
KillRestartPipeline.RecordsPerSecond = rate > 0 ? rate : null;
KillRestartPipeline.OutputDirectory = Path.Combine(args[0], "out");
KillRestartPipeline.Compaction = args.Length == 4 && args[3] == "compacting" ? new FileCompaction { EveryCheckpoints = 2 } : null;
var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, BufferSize = 64 };
options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
options.Checkpointing.Directory = Path.Combine(args[0], "checkpoints");
options.Checkpointing.Unaligned = args.Length == 4 && args[3] == "unaligned";
await using JobHandle job = KillRestartPipeline.Start(options);
Console.WriteLine($"started restored={job.RestoredCheckpointId?.ToString() ?? "none"}");
await job.Completion;
Console.WriteLine("finished");
return 0;
