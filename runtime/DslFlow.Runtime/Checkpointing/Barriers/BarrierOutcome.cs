namespace DslFlow.Checkpointing;

/// <summary>What a task must do after its barrier handler saw a barrier, a cancel marker or an end of input.</summary>
internal enum BarrierOutcome
{
    /// <summary>Nothing yet (alignment in progress, or a stale barrier dropped).</summary>
    None,

    /// <summary>Every input delivered the barrier: snapshot now and forward the barrier.</summary>
    Snapshot,

    /// <summary>The pending checkpoint was abandoned: forward a cancel marker for it.</summary>
    Cancel,
}
