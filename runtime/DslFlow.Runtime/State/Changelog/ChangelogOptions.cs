namespace DslFlow;

/// <summary>
/// Generalized incremental checkpoints (Flink's changelog state backend, FLIP-158), bindable from <c>IConfiguration</c>
/// as <c>Changelog</c>. When on, every keyed state write is also appended to a durable log; a checkpoint makes only the
/// log's tail durable and references the last materialization (a full snapshot taken in the background every
/// <see cref="MaterializationInterval"/>), so checkpoints stay small and fast however large the state. The costs: more
/// files, more bytes written in total, and replaying the log on recovery. Needs exactly-once checkpoints with at most
/// one concurrent checkpoint.
/// </summary>
public sealed class ChangelogOptions
{
    /// <summary>Log state changes and checkpoint incrementally (Flink's <c>state.changelog.enabled</c>). Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>How often each subtask materializes its state in the background (<c>periodic-materialize.interval</c>). Default 10 minutes.</summary>
    public TimeSpan MaterializationInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failed materializations tolerated before the task fails over (<c>max-failures-allowed</c>). Default 3.</summary>
    public int MaxMaterializationFailures { get; set; } = 3;

    /// <summary>Unwritten change bytes of one subtask past which they are written at once, before any checkpoint (<c>preemptive-persist-threshold</c>). Default 5 MB.</summary>
    public long PreemptivePersistThreshold { get; set; } = 5L << 20;

    /// <summary>How long a write request waits for other subtasks' changes to share its file (<c>batch.persist-delay</c>). Default 10 ms.</summary>
    public TimeSpan PersistDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Waiting bytes of all subtasks that write a file at once (<c>batch.persist-size-threshold</c>). Default 10 MB.</summary>
    public long PersistSizeThreshold { get; set; } = 10L << 20;

    /// <summary>Bytes waiting or being written past which writing tasks are backpressured (<c>upload.max-in-flight</c>). Default 100 MB.</summary>
    public long MaxInFlight { get; set; } = 100L << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and how to fix it.</summary>
    public void Validate()
    {
        Check(MaterializationInterval > TimeSpan.Zero, nameof(MaterializationInterval), MaterializationInterval,
            "must be positive (Flink's default is 10 minutes)");
        Check(MaxMaterializationFailures >= 0, nameof(MaxMaterializationFailures), MaxMaterializationFailures, "must not be negative");
        Check(PreemptivePersistThreshold >= 1, nameof(PreemptivePersistThreshold), PreemptivePersistThreshold, "must be at least 1 byte");
        Check(PersistDelay >= TimeSpan.Zero && PersistDelay <= TimeSpan.FromMinutes(1), nameof(PersistDelay), PersistDelay,
            "must be between zero and 1 minute (it adds to every checkpoint's asynchronous part)");
        Check(PersistSizeThreshold >= 1, nameof(PersistSizeThreshold), PersistSizeThreshold, "must be at least 1 byte");
        Check(MaxInFlight >= PersistSizeThreshold, nameof(MaxInFlight), MaxInFlight,
            $"must be at least PersistSizeThreshold ({PersistSizeThreshold}), or a batch could never be written");
    }

    private static void Check(bool valid, string name, object value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"PipelineOptions.Changelog.{name} is {value}: it {rule}. Change the setting or "
                + "remove it to use the default.");
        }
    }
}
