using System.Collections.Concurrent;
using DslFlow;

namespace WordCount;

/// <summary>A custom sink: keeps the highest count seen per word (counts only grow).</summary>
public sealed class LatestCountSink : ISink<(string Word, long Count)>
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>The top words by count.</summary>
    public IReadOnlyList<(string Word, long Count)> Top(int n) =>
        _counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(n).Select(p => (p.Key, p.Value)).ToList();

    /// <summary>Sum of the latest counts: the number of words counted.</summary>
    public long Total => _counts.Values.Sum();

    /// <inheritdoc />
    public ISinkWriter<(string Word, long Count)> CreateWriter(NodeContext context) => new Writer(_counts);

    private sealed class Writer(ConcurrentDictionary<string, long> counts) : ISinkWriter<(string Word, long Count)>
    {
        // Each word lives on one subtask (keyed upstream), so the last update of a batch per word wins.
        public void Write(ReadOnlySpan<(string Word, long Count)> records)
        {
            foreach ((string word, long count) in records)
            {
                counts[word] = count;
            }
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}
