namespace DslFlow.Checkpointing;

/// <summary>
/// How a checkpoint's barriers are handled at a task with inputs (Flink's <c>CheckpointOptions.AlignmentType</c> plus the
/// aligned-checkpoint timeout): one closed type, so the resolved configuration, a task and a barrier cannot express an
/// impossible combination such as "unaligned but at-least-once". The public settings (<see cref="CheckpointingAttribute"/>,
/// <see cref="CheckpointingOptions"/>) resolve to one of the four kinds in <see cref="CheckpointConfig.Resolve"/>.
/// </summary>
public abstract class CheckpointAlignment
{
    private CheckpointAlignment()
    {
    }

    /// <summary>Barriers are counted, not aligned: no channel is blocked; after a failure records may be processed twice.</summary>
    public static CheckpointAlignment AtLeastOnce { get; } = new AtLeastOnceAlignment();

    /// <summary>Barriers are aligned: a channel that delivered the barrier is blocked until every channel did (exactly-once).</summary>
    public static CheckpointAlignment Aligned { get; } = new AlignedAlignment();

    /// <summary>Barriers overtake in-flight records, which are persisted as channel state (exactly-once, FLIP-76).</summary>
    public static CheckpointAlignment Unaligned { get; } = new UnalignedAlignment();

    /// <summary>
    /// Starts aligned and turns unaligned at a task when its alignment is not done <paramref name="timeout"/> after the
    /// trigger, or when a barrier still waits in a queue then (Flink 1.13's aligned-checkpoint timeout).
    /// </summary>
    public static CheckpointAlignment AlignedThenUnaligned(TimeSpan timeout) => new AlignedWithTimeout(timeout);

    /// <summary>The guarantee: at-least-once only for <see cref="AtLeastOnce"/>.</summary>
    public CheckpointingMode Mode => this is AtLeastOnceAlignment ? CheckpointingMode.AtLeastOnce : CheckpointingMode.ExactlyOnce;

    /// <summary>True when a checkpoint may persist in-flight records (unaligned, or aligned with a timeout).</summary>
    public bool PersistsChannelState => this is UnalignedAlignment or AlignedWithTimeout;

    /// <summary>True when a checkpoint is unaligned from its first barrier on.</summary>
    public bool IsUnaligned => this is UnalignedAlignment;

    /// <summary>The alignment time after which a checkpoint turns unaligned, or null when it never switches.</summary>
    public TimeSpan? Timeout => (this as AlignedWithTimeout)?.SwitchAfter;

    /// <summary>At-least-once: counted barriers.</summary>
    private sealed class AtLeastOnceAlignment : CheckpointAlignment
    {
        public override string ToString() => "at-least-once";
    }

    /// <summary>Exactly-once, aligned.</summary>
    private sealed class AlignedAlignment : CheckpointAlignment
    {
        public override string ToString() => "aligned";
    }

    /// <summary>Exactly-once, unaligned.</summary>
    private sealed class UnalignedAlignment : CheckpointAlignment
    {
        public override string ToString() => "unaligned";
    }

    /// <summary>Exactly-once, aligned until the timeout, then unaligned.</summary>
    private sealed class AlignedWithTimeout : CheckpointAlignment
    {
        public AlignedWithTimeout(TimeSpan timeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
            SwitchAfter = timeout;
        }

        public TimeSpan SwitchAfter { get; }

        public override bool Equals(object? obj) => obj is AlignedWithTimeout other && other.SwitchAfter == SwitchAfter;

        public override int GetHashCode() => SwitchAfter.GetHashCode();

        public override string ToString() => $"aligned, unaligned after {SwitchAfter}";
    }
}
