// Shared source: compiled into the runtime (FileCompaction validation, the sink's warning at start) and into the
// analyzers (DSLF4002, DSLF4003), so the rules and their texts are defined once. Keep it netstandard2.0-compatible.
#nullable enable

namespace DslFlow
{
    /// <summary>The rules of <c>FileSink</c> compaction and their messages.</summary>
    internal static class FileCompactionRules
    {
        /// <summary>The problem with <c>FileCompaction.EveryCheckpoints</c> = <paramref name="value"/>, or null.</summary>
        public static string? EveryCheckpoints(long value) =>
            value < 1 ? $"FileCompaction.EveryCheckpoints is {value}: it must be at least 1 (1 compacts after every checkpoint)." : null;

        /// <summary>The problem with <c>FileCompaction.SizeThreshold</c> = <paramref name="value"/>, or null.</summary>
        public static string? SizeThreshold(long value) =>
            value < 1 ? $"FileCompaction.SizeThreshold is {value}: it must be at least 1 byte (default 128 MB)." : null;

        /// <summary>A compacting file sink in a job without checkpoints.</summary>
        public static string WithoutCheckpointing(string sink, string pipeline) =>
            $"Sink '{sink}' compacts its part files, but pipeline '{pipeline}' does not checkpoint: compaction runs when checkpoints "
            + "complete, so it has no effect (each subtask writes one part at the end of input). Turn checkpointing on "
            + "([Checkpointing(IntervalMs = ...)] or options.Checkpointing.Interval), or remove Compaction.";
    }
}
