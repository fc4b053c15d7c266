using DslFlow.Connectors.PostgreSql;
using DslFlow.Connectors.Tests.Support;

namespace DslFlow.Connectors.Tests.PostgreSql;

/// <summary>A row of the <c>numbers</c> table: the value and its key (value mod 7).</summary>
public sealed record NumberRow(long Value, int Bucket);

/// <summary>Ordered numbers → a keyed map that fails on cue → a PostgreSQL table (insert mode, binary COPY).</summary>
[Pipeline]
public static partial class NumbersToPostgres
{
    public static long Records { get; set; }

    public static double RecordsPerSecond { get; set; } = 50_000;

    public static string ConnectionString { get; set; } = "";

    public static Failures Failures { get; set; } = new([]);

    [Source]
    public static SequenceSource Numbers() => new(0, Records) { RecordsPerSecond = RecordsPerSecond > 0 ? RecordsPerSecond : null };

    [Map(nameof(Numbers), KeyBy = nameof(BucketOf))]
    public static NumberRow Tag(long value)
    {
        Failures.OnRecord();
        return new NumberRow(value, BucketOf(value));
    }

    [Sink(nameof(Tag))]
    public static PostgresSink<NumberRow> Rows() => new(ConnectionString, "numbers") { ConnectBackoff = TimeSpan.FromMilliseconds(100), ConnectAttempts = 8 };

    public static int BucketOf(long value) => (int)(value % 7);
}

/// <summary>A key's running count, upserted: the table ends with each key's total.</summary>
public sealed record KeyCount(int Key, long Count);

/// <summary>Numbers → a keyed running count (fails on cue) → a PostgreSQL table in upsert mode.</summary>
[Pipeline]
public static partial class CountsToPostgres
{
    public const int Keys = 50;

    public static long Records { get; set; }

    public static string ConnectionString { get; set; } = "";

    public static Failures Failures { get; set; } = new([]);

    [Source]
    public static SequenceSource Numbers() => new(0, Records) { RecordsPerSecond = 50_000 };

    [Process(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static void Count(long value, ValueState<long> count, Collector<KeyCount> output)
    {
        Failures.OnRecord();
        count.Value++;
        output.Emit(new KeyCount(KeyOf(value), count.Value));
    }

    [Sink(nameof(Count))]
    public static PostgresSink<KeyCount> Totals() => new(ConnectionString, "totals")
    {
        Mode = PostgresWriteMode.Upsert,
        KeyColumns = ["key"],
    };

    public static int KeyOf(long value) => (int)(value % Keys);
}

/// <summary>Two subtasks upserting one key: each waits for the other's checkpoint, which the lock timeout turns into a failure.</summary>
[Pipeline]
public static partial class SameKeyToPostgres
{
    public static string ConnectionString { get; set; } = "";

    [Source(Parallelism = 2)]
    public static SequenceSource Numbers() => new(0, 1_000_000) { RecordsPerSecond = 20_000 };

    [Map(nameof(Numbers))]
    public static KeyCount OneKey(long value) => new(0, value);

    [Sink(nameof(OneKey))]
    public static PostgresSink<KeyCount> Totals() => new(ConnectionString, "totals")
    {
        Mode = PostgresWriteMode.Upsert,
        KeyColumns = ["key"],
        LockTimeout = TimeSpan.FromSeconds(2),
    };
}
