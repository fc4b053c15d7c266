using DslFlow;
using DslFlow.Connectors.KillHarness;

// Usage: DslFlow.Connectors.KillHarness <work directory> <nats url> <stream> <postgres connection string> <slow every>
// Checkpoints every 20 ms into <work>/checkpoints; resumes from the latest checkpoint; prints "started", then
// "finished" at the end of the (bounded) stream.
if (args.Length != 5 || !int.TryParse(args[4], out int slowEvery))
{
    Console.Error.WriteLine("usage: DslFlow.Connectors.KillHarness <work directory> <nats url> <stream> <postgres connection string> <slow every>");
    return 2;
}
OrdersPipeline.NatsUrl = args[1];
OrdersPipeline.Stream = args[2];
OrdersPipeline.Database = args[3];
OrdersPipeline.Pacing = new Pacer(slowEvery);
var options = new PipelineOptions { RestartStrategy = RestartStrategy.None, BufferSize = 64, DefaultParallelism = 2 };
options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
options.Checkpointing.Directory = Path.Combine(args[0], "checkpoints");
await using JobHandle job = OrdersPipeline.Start(options);
Console.WriteLine($"started restored={job.RestoredCheckpointId?.ToString() ?? "none"}");
await job.Completion;
Console.WriteLine("finished");
return 0;
