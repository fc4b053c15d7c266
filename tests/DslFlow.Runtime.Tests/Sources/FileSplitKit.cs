using DslFlow.Runtime.Tests.Checkpointing.Storage;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Sources;

/// <summary>Checkpoint and restore of file-line readers by hand, as the source task does it.</summary>
internal static class FileSplitKit
{
    /// <summary>A context whose log lines a test can read.</summary>
    public static NodeContext LoggedContext(ListLogger logger, int subtask = 0, int parallelism = 1, PipelineOptions? options = null) =>
        new("n", subtask, parallelism, options ?? new PipelineOptions(), logger, CancellationToken.None);

    /// <summary>The reader's position bytes, as the task captures them before a batch.</summary>
    public static byte[] PositionOf(ICheckpointedReader reader)
    {
        using var buffer = new StateBuffer(64);
        var writer = new StateWriter(buffer);
        reader.WritePosition(ref writer);
        return buffer.ToArray();
    }

    /// <summary>Reads one batch as the task does: capture the position, then read.</summary>
    public static (byte[] Position, List<string> Batch) ReadBatch(ISourceReader<string> reader, int size)
    {
        byte[] position = PositionOf((ICheckpointedReader)reader);
        var buffer = new string[size];
        ReadResult result = reader.Read(buffer);
        return (position, buffer.AsSpan(0, result.Count).ToArray().ToList());
    }

    /// <summary>Every log line of a level, formatted.</summary>
    public static IEnumerable<string> At(this ListLogger logger, Microsoft.Extensions.Logging.LogLevel level) =>
        logger.Entries.Where(e => e.Level == level).Select(e => e.Message);

    /// <summary>Lines "{name}-{n}" for n in [from, to).</summary>
    public static string[] Lines(string name, int from, int to) => [.. Enumerable.Range(from, to - from).Select(n => $"{name}-{n}")];

    /// <summary>The text of <paramref name="lines"/>, each ended by \n.</summary>
    public static string Text(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
}
