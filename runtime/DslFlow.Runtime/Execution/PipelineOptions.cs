using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow;

/// <summary>
/// Run-time settings of a job. Values set here override the pipeline's attributes. Plain properties can be
/// bound from <c>IConfiguration</c>.
/// </summary>
public sealed class PipelineOptions
{
    /// <summary>Job name used in logs and metrics; defaults to the pipeline class name.</summary>
    public string? JobName { get; set; }

    /// <summary>Overrides <see cref="PipelineAttribute.DefaultParallelism"/> for nodes without their own parallelism.</summary>
    public int? DefaultParallelism { get; set; }

    /// <summary>Overrides <see cref="PipelineAttribute.MaxParallelism"/>.</summary>
    public int? MaxParallelism { get; set; }

    /// <summary>
    /// Per-node parallelism, by node name; overrides the attributes. Nodes fused into one task must keep equal
    /// parallelism, so an override applies to the node's whole chain (see <c>Graph.Chains</c>).
    /// </summary>
    public Dictionary<string, int> Parallelism { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per-source watermark strategy, by source node name: overrides the out-of-orderness, idleness and interval of the
    /// source's <c>[Watermarks]</c> attribute (its timestamp assigner stays; a source without one cannot be given a strategy).
    /// </summary>
    public Dictionary<string, Time.WatermarkStrategy> Watermarks { get; } = new(StringComparer.Ordinal);

    /// <summary>Records per buffer between tasks (Flink's 32 KB network buffer, counted in records). Default 1024.</summary>
    public int BufferSize { get; set; } = 1024;

    /// <summary>Buffer debloating: sizes buffers to the consumer's throughput (off by default).</summary>
    public BufferDebloatOptions BufferDebloat { get; set; } = new();

    /// <summary>Buffers a channel may have in flight without borrowing (Flink's exclusive buffers). Default 2.</summary>
    public int ExclusiveCreditsPerChannel { get; set; } = 2;

    /// <summary>Extra buffers shared by all channels of one task input (Flink's floating buffers). Default 8.</summary>
    public int FloatingCreditsPerGate { get; set; } = 8;

    /// <summary>Checkpoint settings; each value set overrides the pipeline's <see cref="CheckpointingAttribute"/>.</summary>
    public CheckpointingOptions Checkpointing { get; set; } = new();

    /// <summary>Where keyed state lives and how it is snapshotted (default: the heap, snapshots off the task thread).</summary>
    public StateBackendOptions StateBackend { get; set; } = new();

    /// <summary>Generalized incremental checkpoints: log keyed state changes, materialize in the background (default off).</summary>
    public ChangelogOptions Changelog { get; set; } = new();

    /// <summary>
    /// What happens when a task fails: restart from the latest completed checkpoint (after a delay, a bounded number
    /// of times) or fail the job. Default: <see cref="RestartStrategy.Default"/> when checkpoints are on,
    /// <see cref="RestartStrategy.None"/> when they are off.
    /// </summary>
    public RestartStrategy? RestartStrategy { get; set; }

    /// <summary>
    /// How long a cancelled subtask may take to stop (the job restarts after a failure, or is cancelled or stopped)
    /// before it is abandoned: Flink's task cancellation watchdog, <c>task.cancellation.timeout</c>. User code that
    /// ignores cancellation and never returns would otherwise block the restart or the stop for ever. An abandoned
    /// subtask is logged as an error (task, subtask, what it was running, its thread) and counted on the meter
    /// (<c>dslflow.task.abandoned</c>); .NET cannot stop its thread, which keeps running the stuck user code in the
    /// background, but nothing it does afterwards reaches the job's sinks or checkpoints. The same bound applies to
    /// releasing a stopped run's readers and writers. Default 180 s, as in Flink: abandoning cannot be undone, so only
    /// code that is clearly stuck should be. Zero or <see cref="Timeout.InfiniteTimeSpan"/> turn the watchdog off (the
    /// job waits for ever, as Flink with 0).
    /// </summary>
    public TimeSpan TaskCancellationTimeout { get; set; } = TimeSpan.FromSeconds(180);

    /// <summary>The clock used by rate limits and timers (replace it in tests).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where the runtime logs.</summary>
    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>Services that node factory methods may read through <see cref="PipelineContext"/>.</summary>
    public IServiceProvider? Services { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting and how to fix it.</summary>
    public void Validate()
    {
        Check(DefaultParallelism is null or >= 1, nameof(DefaultParallelism), DefaultParallelism, "must be at least 1");
        Check(MaxParallelism is null or (>= 1 and <= 32768), nameof(MaxParallelism), MaxParallelism, "must be between 1 and 32768");
        Check(BufferSize >= 1, nameof(BufferSize), BufferSize, "must be at least 1 record");
        Check(ExclusiveCreditsPerChannel >= 1, nameof(ExclusiveCreditsPerChannel), ExclusiveCreditsPerChannel, "must be at least 1, or no buffer could ever move");
        Check(FloatingCreditsPerGate >= 0, nameof(FloatingCreditsPerGate), FloatingCreditsPerGate, "must not be negative");
        Check(TaskCancellationTimeout == Timeout.InfiniteTimeSpan || (TaskCancellationTimeout >= TimeSpan.Zero && TaskCancellationTimeout <= MaxTimerDelay),
            nameof(TaskCancellationTimeout), TaskCancellationTimeout, "must be positive (at most 49 days), or zero or Timeout.InfiniteTimeSpan to wait for ever");
        if (BufferDebloat is null)
        {
            throw new ArgumentException("PipelineOptions.BufferDebloat must not be null; leave it unset for the defaults (debloating off).");
        }
        BufferDebloat.Validate(BufferSize);
        if (StateBackend is null)
        {
            throw new ArgumentException("PipelineOptions.StateBackend must not be null; leave it unset for the defaults (the heap backend).");
        }
        StateBackend.Validate();
        if (Changelog is null)
        {
            throw new ArgumentException("PipelineOptions.Changelog must not be null; leave it unset for the defaults (off).");
        }
        Changelog.Validate();
        foreach (KeyValuePair<string, int> p in Parallelism)
        {
            Check(p.Value >= 1, $"{nameof(Parallelism)}[\"{p.Key}\"]", p.Value, "must be at least 1");
        }
        if (TimeProvider is null || LoggerFactory is null)
        {
            throw new ArgumentException("PipelineOptions.TimeProvider and LoggerFactory must not be null; leave them unset for the defaults.");
        }
    }

    /// <summary>The longest delay a <see cref="System.TimeProvider"/> timer accepts (about 49.7 days).</summary>
    private static TimeSpan MaxTimerDelay => TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private static void Check(bool valid, string name, object? value, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"PipelineOptions.{name} is {value}: it {rule}. Change the setting or remove it to use the default.", name);
        }
    }
}
