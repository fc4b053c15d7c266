using System.Diagnostics;

namespace DslFlow.Checkpointing;

/// <summary>
/// Tracks the barriers of one task's input channels (Flink's CheckpointBarrierHandler). In
/// <see cref="CheckpointingMode.ExactlyOnce"/> a channel that delivered barrier n is blocked until every channel
/// delivered it, so no record after the barrier reaches the snapshot; in <see cref="CheckpointingMode.AtLeastOnce"/>
/// nothing is blocked and the snapshot happens on the last barrier. A barrier newer than the pending one abandons the
/// pending one; an older one is dropped; a channel that ended counts as having delivered every later barrier, and a
/// barrier it still delivers after its end is ignored.
/// </summary>
internal sealed class BarrierHandler
{
    private readonly CheckpointingMode _mode;
    private readonly Action<int> _block;
    private readonly Action<int> _unblock;
    private readonly bool[] _received;
    private readonly bool[] _ended;
    private readonly Stopwatch _alignment = new();
    private int _receivedCount;
    private int _endedCount;

    public BarrierHandler(int channelCount, CheckpointingMode mode, Action<int> block, Action<int> unblock)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channelCount, 1);
        _mode = mode;
        _block = block;
        _unblock = unblock;
        _received = new bool[channelCount];
        _ended = new bool[channelCount];
    }

    /// <summary>The checkpoint being aligned, or the last one completed or abandoned.</summary>
    public long CurrentCheckpointId { get; private set; } = -1;

    /// <summary>The first barrier seen of the current checkpoint.</summary>
    public CheckpointBarrier? CurrentBarrier { get; private set; }

    /// <summary>True while some but not all channels delivered the current barrier.</summary>
    public bool IsPending => _receivedCount > 0;

    /// <summary>True when <paramref name="channel"/> delivered the barrier of the checkpoint being aligned.</summary>
    public bool HasReceived(int channel) => _received[channel];

    /// <summary>How long the last completed alignment took (first barrier to last).</summary>
    public TimeSpan LastAlignmentDuration { get; private set; }

    /// <summary>Handles a barrier from a channel; <paramref name="abandoned"/> is set when a pending checkpoint was dropped.</summary>
    public BarrierOutcome OnBarrier(CheckpointBarrier barrier, int channel, out long abandoned)
    {
        abandoned = -1;
        long id = barrier.CheckpointId;
        if (_ended[channel])
        {
            return BarrierOutcome.None; // after the channel's end of input (a finished upstream's): it already counts as delivered
        }
        if (id < CurrentCheckpointId || (id == CurrentCheckpointId && !IsPending))
        {
            return BarrierOutcome.None; // stale: that checkpoint already completed or was abandoned here
        }
        if (id > CurrentCheckpointId)
        {
            if (IsPending)
            {
                abandoned = CurrentCheckpointId; // barrier n+1 during the alignment of n aborts n
                Reset();
            }
            CurrentCheckpointId = id;
            CurrentBarrier = barrier;
            _alignment.Restart();
        }
        if (!_received[channel])
        {
            _received[channel] = true;
            _receivedCount++;
            if (_mode == CheckpointingMode.ExactlyOnce)
            {
                _block(channel);
            }
        }
        return Check();
    }

    /// <summary>Handles a cancel marker: the checkpoint was aborted upstream.</summary>
    public BarrierOutcome OnCancel(long checkpointId) => OnCancel(checkpointId, out _);

    /// <summary>
    /// Handles a cancel marker or abort; <paramref name="abandoned"/> is set when the cancel of a newer checkpoint
    /// dropped the alignment of an older one (which cannot complete any more).
    /// </summary>
    public BarrierOutcome OnCancel(long checkpointId, out long abandoned)
    {
        abandoned = -1;
        if (checkpointId < CurrentCheckpointId || (checkpointId == CurrentCheckpointId && !IsPending))
        {
            return BarrierOutcome.None;
        }
        if (checkpointId > CurrentCheckpointId && IsPending)
        {
            abandoned = CurrentCheckpointId;
        }
        Reset();
        CurrentCheckpointId = checkpointId;
        return BarrierOutcome.Cancel;
    }

    /// <summary>A channel ended: it will deliver no more barriers, so it no longer holds alignment back.</summary>
    public BarrierOutcome OnEndOfInput(int channel)
    {
        if (_ended[channel])
        {
            return BarrierOutcome.None;
        }
        _ended[channel] = true;
        _endedCount++;
        return IsPending ? Check() : BarrierOutcome.None;
    }

    private BarrierOutcome Check()
    {
        int live = _received.Length - _endedCount;
        int receivedLive = 0;
        for (int i = 0; i < _received.Length; i++)
        {
            receivedLive += _received[i] && !_ended[i] ? 1 : 0;
        }
        if (receivedLive < live)
        {
            return BarrierOutcome.None;
        }
        LastAlignmentDuration = _alignment.Elapsed;
        Reset();
        return BarrierOutcome.Snapshot;
    }

    private void Reset()
    {
        for (int i = 0; i < _received.Length; i++)
        {
            if (_received[i])
            {
                _received[i] = false;
                if (_mode == CheckpointingMode.ExactlyOnce)
                {
                    _unblock(i);
                }
            }
        }
        _receivedCount = 0;
    }
}
