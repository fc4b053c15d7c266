using DslFlow;
using DslFlow.ProcessHarness;

// Usage: DslFlow.ProcessHarness <work directory> <records> <records per second, 0 = unlimited> [aligned|unaligned|compacting|files|changelog|rocksdb|changelog-rocksdb|timers|windows]
// Checkpoints every 20 ms into <work>/checkpoints, output in <work>/out; resumes from the latest checkpoint.
// "compacting" is aligned with file-sink compaction every second checkpoint.
// "changelog" is aligned with the changelog on: materializing every 100 ms, writing the log pre-emptively past 2 KB.
// "rocksdb" is aligned with keyed state in RocksDB (incremental checkpoints), its databases under <work>/rocksdb.
// "changelog-rocksdb" is "changelog" with keyed state in RocksDB (materializations are RocksDB snapshots).
// "timers" runs TimerKillRestartPipeline (aligned): per-key event-time windows counted and emitted by keyed timers;
// "windows" runs WindowKillRestartPipeline (aligned): the same counts in sliding windows of a [Window] node.
// "files" reads <work>/in/*.txt, discovering new files every 20 ms; a discovering source never ends, so the run
// stops (cancels) once <records> lines are committed.
// Usage: DslFlow.ProcessHarness deep-state — reads and writes state nested a million levels deep (DeepState).
if (args is ["deep-state"])
{
    return DeepState.Run();
}
// Usage: DslFlow.ProcessHarness large-state <work directory> write|verify <keys> — RocksDB state larger than its memory (LargeState).
if (args is ["large-state", string work, "write" or "verify", string count] && long.TryParse(count, out long keyCount))
{
    return await LargeState.RunAsync(work, args[2], keyCount);
}
string[] modes = ["aligned", "unaligned", "compacting", "files", "changelog", "rocksdb", "changelog-rocksdb", "timers", "windows"];
if (args.Length is < 3 or > 4 || !long.TryParse(args[1], out long records) || !double.TryParse(args[2], out double rate)
    || (args.Length == 4 && !modes.Contains(args[3])))
{
    Console.Error.WriteLine("usage: DslFlow.ProcessHarness <work directory> <records> <records per second, 0 = unlimited> [aligned|unaligned|compacting|files|changelog|rocksdb|changelog-rocksdb|timers|windows]");
    return 2;
}
string mode = args.Length == 4 ? args[3] : "aligned";
var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, BufferSize = 64 };
options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
options.Checkpointing.Directory = Path.Combine(args[0], "checkpoints");
options.Checkpointing.Unaligned = mode == "unaligned";
options.Changelog.Enabled = mode is "changelog" or "changelog-rocksdb";
options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(100);
options.Changelog.PreemptivePersistThreshold = 2048;
if (mode is "rocksdb" or "changelog-rocksdb")
{
    options.StateBackend.Kind = StateBackendKind.RocksDb;
    options.StateBackend.RocksDb.LocalDirectory = Path.Combine(args[0], "rocksdb");
}
string output = Path.Combine(args[0], "out");
if (mode == "files")
{
    FileKillRestartPipeline.InputDirectory = Path.Combine(args[0], "in");
    FileKillRestartPipeline.OutputDirectory = output;
    FileKillRestartPipeline.Pacing = new Pacer(rate > 0 ? Math.Max(1, (int)(rate / 1000)) : 0);
    await using JobHandle files = FileKillRestartPipeline.Start(options);
    Console.WriteLine($"started restored={files.RestoredCheckpointId?.ToString() ?? "none"}");
    var deadline = DateTime.UtcNow.AddMinutes(1.5);
    int committed;
    while ((committed = new FileSink<string>(output).ReadCommittedLines().Count) < records && DateTime.UtcNow < deadline && !files.Completion.IsCompleted)
    {
        await Task.Delay(20);
    }
    if (files.Completion.IsFaulted)
    {
        await files.Completion; // report the failure
    }
    files.Cancel();
    try
    {
        await files.Completion;
    }
    catch (OperationCanceledException)
    {
    }
    Console.WriteLine(committed >= records ? "finished" : $"timed out with {committed} of {records} lines committed");
    return committed >= records ? 0 : 3;
}
if (mode == "windows")
{
    WindowKillRestartPipeline.RecordCount = records;
    WindowKillRestartPipeline.RecordsPerSecond = rate > 0 ? rate : null;
    WindowKillRestartPipeline.OutputDirectory = output;
    await using JobHandle windows = WindowKillRestartPipeline.Start(options);
    Console.WriteLine($"started restored={windows.RestoredCheckpointId?.ToString() ?? "none"}");
    await windows.Completion;
    Console.WriteLine("finished");
    return 0;
}
if (mode == "timers")
{
    TimerKillRestartPipeline.RecordCount = records;
    TimerKillRestartPipeline.RecordsPerSecond = rate > 0 ? rate : null;
    TimerKillRestartPipeline.OutputDirectory = output;
    await using JobHandle timers = TimerKillRestartPipeline.Start(options);
    Console.WriteLine($"started restored={timers.RestoredCheckpointId?.ToString() ?? "none"}");
    await timers.Completion;
    Console.WriteLine("finished");
    return 0;
}
KillRestartPipeline.RecordCount = records;
KillRestartPipeline.RecordsPerSecond = rate > 0 ? rate : null;
KillRestartPipeline.OutputDirectory = output;
KillRestartPipeline.Compaction = mode == "compacting" ? new FileCompaction { EveryCheckpoints = 2 } : null;
await using JobHandle job = KillRestartPipeline.Start(options);
Console.WriteLine($"started restored={job.RestoredCheckpointId?.ToString() ?? "none"}");
await job.Completion;
Console.WriteLine("finished");
return 0;
