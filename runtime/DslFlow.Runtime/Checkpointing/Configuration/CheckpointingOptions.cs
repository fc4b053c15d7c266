namespace DslFlow;

/// <summary>
/// Run-time checkpoint settings (bindable from <c>IConfiguration</c>). Each value set here overrides the pipeline's
/// <see cref="CheckpointingAttribute"/>; unset values keep the attribute's (or the default).
/// </summary>
public sealed class CheckpointingOptions
{
    /// <summary>Enables (true) or disables (false) checkpoints regardless of the attribute; null follows the attribute.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Time between two checkpoint triggers.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Exactly-once or at-least-once.</summary>
    public CheckpointingMode? Mode { get; set; }

    /// <summary>A checkpoint not completed in this time is aborted.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Minimum pause between the end of one checkpoint and the next trigger.</summary>
    public TimeSpan? MinPause { get; set; }

    /// <summary>Checkpoints in progress at once.</summary>
    public int? MaxConcurrentCheckpoints { get; set; }

    /// <summary>Consecutive failed checkpoints tolerated before the job fails over.</summary>
    public int? TolerableFailedCheckpoints { get; set; }

    /// <summary>Completed checkpoints kept.</summary>
    public int? RetainedCheckpoints { get; set; }

    /// <summary>Unaligned checkpoints.</summary>
    public bool? Unaligned { get; set; }

    /// <summary>Alignment time after which a checkpoint switches to unaligned (zero = always unaligned).</summary>
    public TimeSpan? AlignedTimeout { get; set; }

    /// <summary>
    /// The checkpoint directory (default <c>checkpoints</c>, relative to the working directory). Each job keeps its
    /// checkpoints, statistics and identity in its own folder inside it, <c>{Directory}/{JobName}/</c>.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>
    /// When true, a restore drops state the checkpoint holds but the job no longer declares (a removed node or a renamed
    /// state parameter) instead of refusing to start (Flink's <c>allowNonRestoredState</c>). In-flight records of an
    /// unaligned checkpoint whose task no longer exists are refused even so: they would be lost.
    /// </summary>
    public bool AllowNonRestoredState { get; set; }

    /// <summary>
    /// Restores this checkpoint at start instead of the newest one: <c>chk-7</c>, <c>7</c>, or the path of a
    /// <c>chk-{id}</c> directory in the job's folder. The way out when the newest checkpoint is damaged and a sink
    /// already committed it: the job then says so and refuses the automatic fall-back, which would write the committed
    /// records again; naming an older checkpoint here accepts exactly that. Null (the default): the newest valid one.
    /// </summary>
    public string? RestoreFrom { get; set; }

    /// <summary>
    /// When true, the job does not restore the latest completed checkpoint of <see cref="Directory"/> at start: the
    /// sources start from their beginning and state starts empty. Restarts after a failure still restore the
    /// checkpoints this run takes. Default false: a job resumes where the last completed checkpoint says.
    /// </summary>
    public bool StartFresh { get; set; }

    /// <summary>
    /// When true, the checkpoints stay in <see cref="Directory"/> after the job finished (every source reached its end
    /// and the final checkpoint committed). Default false: like Flink, a finished job discards its checkpoints, so the
    /// next run starts from the beginning instead of restoring a job that has nothing left to do.
    /// </summary>
    public bool RetainAfterFinish { get; set; }

    /// <summary>Checkpoints kept in the statistics history (<c>JobHandle.CheckpointStats</c>). Default 10.</summary>
    public int? StatsHistorySize { get; set; }

    /// <summary>
    /// Where checkpoints are stored; null (the default) for <see cref="Checkpointing.LocalCheckpointStorage"/> in the
    /// job's folder <c>{Directory}/{JobName}/</c>. The job's lock, identity and statistics file are in that folder
    /// either way.
    /// </summary>
    public Checkpointing.ICheckpointStorage? Storage { get; set; }
}

/// <summary>The checkpoint settings a pipeline declares with <see cref="CheckpointingAttribute"/> (emitted by the generator).</summary>
/// <param name="IntervalMs">Interval.</param>
/// <param name="Mode">Mode.</param>
/// <param name="TimeoutMs">Timeout.</param>
/// <param name="MinPauseMs">Minimum pause.</param>
/// <param name="MaxConcurrentCheckpoints">Concurrent checkpoints.</param>
/// <param name="TolerableFailedCheckpoints">Tolerated failures.</param>
/// <param name="RetainedCheckpoints">Retained checkpoints.</param>
/// <param name="Unaligned">Unaligned checkpoints.</param>
/// <param name="AlignedTimeoutMs">Aligned timeout, or -1 when not set.</param>
/// <param name="Directory">Directory, or null for the default.</param>
public sealed record CheckpointDeclaration(int IntervalMs, CheckpointingMode Mode, int TimeoutMs, int MinPauseMs, int MaxConcurrentCheckpoints,
    int TolerableFailedCheckpoints, int RetainedCheckpoints, bool Unaligned, int AlignedTimeoutMs, string? Directory);

/// <summary>The checkpoint settings a job runs with: attribute values overridden by options, validated.</summary>
/// <param name="Interval">Time between triggers.</param>
/// <param name="Alignment">
/// How barriers are aligned, resolved from the mode, Unaligned and AlignedTimeout settings into one of four kinds that
/// cannot contradict each other (at-least-once ignores Unaligned, as DSLF1001 warns; a zero timeout is unaligned from the start).
/// </param>
/// <param name="Timeout">Checkpoint timeout.</param>
/// <param name="MinPause">Pause between checkpoints.</param>
/// <param name="MaxConcurrentCheckpoints">Concurrent checkpoints.</param>
/// <param name="TolerableFailedCheckpoints">Tolerated consecutive failures.</param>
/// <param name="RetainedCheckpoints">Completed checkpoints kept.</param>
/// <param name="Directory">Checkpoint directory.</param>
public sealed record CheckpointConfig(TimeSpan Interval, Checkpointing.CheckpointAlignment Alignment, TimeSpan Timeout, TimeSpan MinPause,
    int MaxConcurrentCheckpoints, int TolerableFailedCheckpoints, int RetainedCheckpoints, string Directory)
{
    /// <summary>True when the job ignores existing checkpoints at start (see <see cref="CheckpointingOptions.StartFresh"/>).</summary>
    public bool StartFresh { get; init; }

    /// <summary>True when a finished job keeps its checkpoints (see <see cref="CheckpointingOptions.RetainAfterFinish"/>).</summary>
    public bool RetainAfterFinish { get; init; }

    /// <summary>Checkpoints kept in the statistics history.</summary>
    public int StatsHistorySize { get; init; } = 10;

    /// <summary>A storage that replaces the local one in <see cref="Directory"/>, or null.</summary>
    public Checkpointing.ICheckpointStorage? Storage { get; init; }

    /// <summary>True when a restore may drop state the job no longer declares (see <see cref="CheckpointingOptions.AllowNonRestoredState"/>).</summary>
    public bool AllowNonRestoredState { get; init; }

    /// <summary>The checkpoint to restore at start instead of the newest (see <see cref="CheckpointingOptions.RestoreFrom"/>), or null.</summary>
    public string? RestoreFrom { get; init; }

    /// <summary>The default checkpoint directory, relative to the working directory.</summary>
    public const string DefaultDirectory = "checkpoints";

    /// <summary>
    /// Merges a declaration and options, validates the result with the rules the analyzers use, and returns null when
    /// checkpoints are off. Errors throw <see cref="ArgumentException"/> with the analyzer's message; warnings are
    /// returned in <paramref name="warnings"/>.
    /// </summary>
    public static CheckpointConfig? Resolve(CheckpointDeclaration? declared, CheckpointingOptions? options, out IReadOnlyList<string> warnings)
    {
        options ??= new CheckpointingOptions();
        warnings = [];
        bool enabled = options.Enabled ?? (declared is not null || options.Interval is not null);
        if (!enabled)
        {
            return null;
        }
        long? interval = Ms(options.Interval) ?? (declared is { IntervalMs: var i } ? i : null);
        if (interval is null)
        {
            throw new ArgumentException("Checkpoints are enabled but no interval is set. Set [Checkpointing(IntervalMs = ...)] on the pipeline or PipelineOptions.Checkpointing.Interval.");
        }
        CheckpointingMode mode = options.Mode ?? declared?.Mode ?? CheckpointingMode.ExactlyOnce;
        long timeout = Ms(options.Timeout) ?? declared?.TimeoutMs ?? 600_000;
        long minPause = Ms(options.MinPause) ?? declared?.MinPauseMs ?? 0;
        int maxConcurrent = options.MaxConcurrentCheckpoints ?? declared?.MaxConcurrentCheckpoints ?? 1;
        int tolerable = options.TolerableFailedCheckpoints ?? declared?.TolerableFailedCheckpoints ?? 0;
        int retained = options.RetainedCheckpoints ?? declared?.RetainedCheckpoints ?? 1;
        bool unaligned = options.Unaligned ?? declared?.Unaligned ?? false;
        long? alignedTimeout = Ms(options.AlignedTimeout) ?? (declared is { AlignedTimeoutMs: not -1 } d ? d.AlignedTimeoutMs : null); // -1: not set

        if (options.StartFresh && !string.IsNullOrWhiteSpace(options.RestoreFrom))
        {
            throw new ArgumentException($"CheckpointingOptions.StartFresh and RestoreFrom ('{options.RestoreFrom}') are both set: "
                + "a fresh start restores nothing. Set one of them.");
        }
        var violations = Checkpointing.CheckpointRules.Check(new Checkpointing.CheckpointSettings(
            interval, mode == CheckpointingMode.ExactlyOnce, timeout, minPause, maxConcurrent, tolerable, retained, unaligned, alignedTimeout));
        var errors = violations.Where(v => v.IsError).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors.Select(e => $"{e.Id}: {e.Message}")));
        }
        warnings = violations.Select(v => $"{v.Id}: {v.Message}").ToList();
        Checkpointing.CheckpointAlignment alignment = mode == CheckpointingMode.AtLeastOnce ? Checkpointing.CheckpointAlignment.AtLeastOnce
            : !unaligned ? Checkpointing.CheckpointAlignment.Aligned
            : alignedTimeout is > 0 ? Checkpointing.CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromMilliseconds(alignedTimeout.Value))
            : Checkpointing.CheckpointAlignment.Unaligned;
        return new CheckpointConfig(TimeSpan.FromMilliseconds(interval.Value), alignment, TimeSpan.FromMilliseconds(timeout),
            TimeSpan.FromMilliseconds(minPause), maxConcurrent, tolerable, retained, options.Directory ?? declared?.Directory ?? DefaultDirectory)
        {
            StartFresh = options.StartFresh,
            RetainAfterFinish = options.RetainAfterFinish,
            StatsHistorySize = options.StatsHistorySize is null or >= 1 ? options.StatsHistorySize ?? 10
                : throw new ArgumentException($"PipelineOptions.Checkpointing.StatsHistorySize is {options.StatsHistorySize}: it must be at least 1. Change the setting or remove it to use the default (10)."),
            Storage = options.Storage,
            AllowNonRestoredState = options.AllowNonRestoredState,
            RestoreFrom = string.IsNullOrWhiteSpace(options.RestoreFrom) ? null : options.RestoreFrom,
        };
    }

    private static long? Ms(TimeSpan? value) => value is null ? null : (long)value.Value.TotalMilliseconds;
}
