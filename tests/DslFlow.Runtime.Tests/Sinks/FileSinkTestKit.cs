using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Sinks;

/// <summary>Contexts of file-sink writers and recoveries of one job run, for driving a sink without a job.</summary>
internal static class FileSinkTestKit
{
    /// <summary>The job run the tests write as unless they say otherwise.</summary>
    public static readonly Guid Run = new("0a0a0a0a-0000-4000-8000-00000000000a");

    /// <summary>The context of a sink subtask (of 2) of <paramref name="run"/> (default <see cref="Run"/>) in a checkpointed job.</summary>
    public static NodeContext Checkpointed(int subtask, Guid? run = null) =>
        new("out", subtask, 2, new PipelineOptions(), NullLogger.Instance, CancellationToken.None, checkpointsEnabled: true)
        {
            JobName = "job",
            JobId = run ?? Run,
        };

    /// <summary>The recovery of <paramref name="run"/> (default <see cref="Run"/>) restoring <paramref name="checkpointId"/>.</summary>
    public static SinkRecoveryContext Restoring(long? checkpointId, Guid? run = null, ILogger? logger = null) =>
        new("job", "out", run ?? Run, checkpointId, logger ?? NullLogger.Instance);

    /// <summary>A fault injector that crashes before the first step named <paramref name="step"/>.</summary>
    public static Action<string, string> CrashBefore(string step) => (operation, _) =>
    {
        if (operation == step)
        {
            throw new DslFlow.Checkpointing.SimulatedCrashException(operation);
        }
    };

    /// <summary>
    /// A compacting sink (every 2 checkpoints) in <paramref name="directory"/> whose subtask 0 committed "a" with
    /// checkpoint 1 and then died before <paramref name="crashBefore"/> in the compaction of checkpoint 2 ("b").
    /// </summary>
    public static void CrashInSecondCompaction(string directory, string crashBefore)
    {
        var crashed = new FileSink<string>(directory) { Compaction = new FileCompaction { EveryCheckpoints = 2 } };
        var writer = (ITwoPhaseCommitWriter<string>)crashed.CreateWriter(Checkpointed(0));
        writer.Write(["a"]);
        writer.PreCommit(1);
        writer.Commit(1);
        writer.Write(["b"]);
        writer.PreCommit(2);
        crashed.FaultInjector = CrashBefore(crashBefore);
        Assert.Throws<DslFlow.Checkpointing.SimulatedCrashException>(() => writer.Commit(2));
    }

    /// <summary>The file name of a part of <see cref="Run"/>: <c>part-{run}-{rest}</c>.</summary>
    public static string Part(string rest, Guid? run = null) => $"part-{run ?? Run:N}-{rest}";
}
