using DslFlow.Channels;

namespace DslFlow.Execution;

/// <summary>
/// Buffer debloating at a one-input task: every period the task measures how many records it consumed while it had
/// input, and announces to its senders the buffer size at which what is queued at its input takes the target time to
/// consume (<see cref="BufferDebloater"/>).
/// </summary>
public abstract partial class OneInputStreamTask<TIn>
{
    private BufferDebloater? _debloater;
    private ITimer? _debloatTimer;
    private long _debloatPeriodStart;
    private long _recordsAtPeriodStart;
    private long _idleSince; // timestamp when the run loop last ran out of input; 0 while busy
    private long _idleTicks; // of the current period

    /// <inheritdoc />
    internal override int? InputBufferSize => _debloater is null ? null : Gate.Channels[0].BufferSize; // what senders read

    /// <inheritdoc />
    internal override TimeSpan? EstimatedTimeToConsumeBuffers => _debloater?.EstimatedTimeToConsume;

    /// <summary>Starts the periodic recalculation when debloating is on (called from <c>Open</c>).</summary>
    private void StartDebloating()
    {
        BufferDebloatOptions options = Context.Options.BufferDebloat;
        if (!options.Enabled)
        {
            return;
        }
        _debloater = new BufferDebloater(options, Context.Options.BufferSize);
        TimeProvider time = Context.Options.TimeProvider;
        _debloatPeriodStart = time.GetTimestamp();
        _debloatTimer = time.CreateTimer(_ => Post(Debloat), null, options.Period, options.Period);
    }

    /// <summary>The run loop resumes: the time it waited for input does not count as busy.</summary>
    private void OnRunLoopEntered()
    {
        if (_idleSince != 0)
        {
            _idleTicks += Context.Options.TimeProvider.GetTimestamp() - _idleSince;
            _idleSince = 0;
        }
    }

    /// <summary>The run loop ran out of input.</summary>
    private void OnInputExhausted()
    {
        if (_debloater is not null && _idleSince == 0)
        {
            _idleSince = Context.Options.TimeProvider.GetTimestamp();
        }
    }

    private void Debloat()
    {
        BufferDebloater debloater = _debloater!;
        TimeProvider time = Context.Options.TimeProvider;
        long now = time.GetTimestamp();
        long idle = _idleTicks + (_idleSince != 0 ? now - _idleSince : 0);
        TimeSpan busy = time.GetElapsedTime(_debloatPeriodStart, now) - TimeSpan.FromSeconds(idle / (double)time.TimestampFrequency);
        long records = RecordsIn - _recordsAtPeriodStart;
        (int buffers, long queued) = Gate.QueuedData();
        if (debloater.Recalculate(records, busy, buffers, queued) is int size)
        {
            Gate.AnnounceBufferSize(size);
        }
        _debloatPeriodStart = now;
        _recordsAtPeriodStart = RecordsIn;
        _idleTicks = 0;
        _idleSince = _idleSince != 0 ? now : 0;
    }

    private void StopDebloating()
    {
        _debloatTimer?.Dispose();
        _debloatTimer = null;
    }
}
