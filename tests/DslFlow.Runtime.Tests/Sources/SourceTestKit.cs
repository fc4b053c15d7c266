using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Sources;

/// <summary>Contexts and read loops for testing source readers directly, without a job.</summary>
internal static class SourceTestKit
{
    public static NodeContext Context(int subtask = 0, int parallelism = 1, PipelineOptions? options = null) =>
        new("n", subtask, parallelism, options ?? new PipelineOptions(), NullLogger.Instance, CancellationToken.None);

    /// <summary>Reads a reader that always has data until its end; an odd batch size exercises batch edges.</summary>
    public static List<T> ReadAll<T>(ISourceReader<T> reader, int batchSize = 7)
    {
        var records = new List<T>();
        var buffer = new T[batchSize];
        while (true)
        {
            ReadResult result = reader.Read(buffer);
            records.AddRange(buffer.AsSpan(0, result.Count));
            if (result.Status == ReadStatus.EndOfInput)
            {
                return records;
            }
            Assert.Equal(ReadStatus.MoreAvailable, result.Status);
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> records (fewer only at the end of input).</summary>
    public static List<T> Read<T>(ISourceReader<T> reader, int count)
    {
        var buffer = new T[count];
        int filled = 0;
        while (filled < count)
        {
            ReadResult result = reader.Read(buffer.AsSpan(filled));
            filled += result.Count;
            if (result.Status == ReadStatus.EndOfInput)
            {
                break;
            }
        }
        return buffer.AsSpan(0, filled).ToArray().ToList();
    }

    /// <summary>Reads an asynchronous reader to its end, awaiting it when it has nothing (bounded so a bug cannot hang the run).</summary>
    public static async Task<List<T>> ReadAllAsync<T>(ISourceReader<T> reader, int batchSize = 7)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var records = new List<T>();
        var buffer = new T[batchSize];
        while (true)
        {
            ReadResult result = reader.Read(buffer);
            records.AddRange(buffer.AsSpan(0, result.Count));
            if (result.Status == ReadStatus.EndOfInput)
            {
                return records;
            }
            if (result.Status == ReadStatus.NothingAvailable)
            {
                await reader.WaitForDataAsync(timeout.Token);
            }
        }
    }
}
