namespace DslFlow.Execution;

/// <summary>A <c>[Window]</c> head's figures: what its window operator dropped as late, for metrics and progress.</summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private Func<long>? _lateRecordsDropped;

    /// <summary>Generated <c>Open</c> of a window node: where the task reads its late records dropped (any thread).</summary>
    protected void TrackLateRecords(Func<long> dropped) => _lateRecordsDropped = dropped ?? throw new ArgumentNullException(nameof(dropped));

    /// <inheritdoc />
    internal override long? LateRecordsDroppedForMetrics => _lateRecordsDropped?.Invoke();
}
