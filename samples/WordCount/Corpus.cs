namespace WordCount;

/// <summary>Deterministic pseudo-text: word frequencies follow a Zipf-like law, like natural language.</summary>
public static class Corpus
{
    private static readonly string[] Words =
    [
        "the", "of", "and", "to", "in", "stream", "state", "barrier", "checkpoint", "record", "buffer", "channel",
        "task", "operator", "key", "group", "window", "sink", "source", "credit", "flink", "dotnet", "exactly", "once",
        "aligned", "unaligned", "timeout", "snapshot", "restore", "rescale", "latency", "throughput", "backpressure",
        "pipeline", "dataflow", "block", "mailbox", "thread", "partition", "offset",
    ];

    /// <summary>Line <paramref name="n"/> of the text (8 to 15 words).</summary>
    public static string Line(long n)
    {
        ulong x = (ulong)n * 0x9E3779B97F4A7C15UL + 1;
        int length = 8 + (int)(x % 8);
        var words = new string[length];
        for (int i = 0; i < length; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Squaring a uniform number skews choices towards the first (most frequent) words.
            double u = (x >> 11) * (1.0 / (1UL << 53));
            words[i] = Words[(int)(u * u * Words.Length)];
        }
        return string.Join(' ', words);
    }
}
