using System.Diagnostics;

namespace DslFlow.Checkpointing;

/// <summary>
/// At-least-once checkpoints (Flink's <c>CheckpointBarrierTracker</c>): nothing is blocked, so a fast channel may
/// deliver the barriers of several checkpoints before a slow one delivered the first; each checkpoint is counted on its
/// own and snapshotted when every live channel delivered its barrier. A checkpoint that completes subsumes the older
/// ones still counted (they could only be snapshotted after it); a cancel marker or abort ends it and every older one.
/// The one state of the mode: it is its own waiting state. One instance per handler (it holds the counts).
/// </summary>
internal sealed class TrackingBarriers(int channelCount) : BarrierHandlerState
{
    /// <summary>At most this many checkpoints are counted at once (Flink's <c>MAX_CHECKPOINTS_TO_TRACK</c>).</summary>
    public const int MaxTracked = 50;

    private readonly List<Counted> _counted = []; // ascending checkpoint ids

    /// <summary>The checkpoints being counted, oldest first.</summary>
    public IEnumerable<long> Counting => _counted.Select(c => c.Barrier.CheckpointId);

    public override BarrierHandlerState OnBarrier(CheckpointBarrierHandler handler, CheckpointBarrier barrier, int channel, long sequence)
    {
        int index = _counted.FindIndex(c => c.Barrier.CheckpointId == barrier.CheckpointId);
        if (index < 0)
        {
            if (barrier.CheckpointId <= handler.CurrentCheckpointId)
            {
                return this; // its checkpoint completed, was cancelled or subsumed here already
            }
            handler.Start(barrier);
            _counted.Add(new Counted(barrier, channelCount));
            if (_counted.Count > MaxTracked)
            {
                _counted.RemoveAt(0);
            }
            index = _counted.Count - 1;
        }
        _counted[index].Deliver(channel);
        CompleteUpTo(handler, index);
        return this;
    }

    public override BarrierHandlerState OnCancel(CheckpointBarrierHandler handler, long checkpointId, string how)
    {
        while (_counted.Count > 0 && _counted[0].Barrier.CheckpointId < checkpointId)
        {
            long older = _counted[0].Barrier.CheckpointId;
            _counted.RemoveAt(0);
            handler.Actions.SendCancelMarker(older);
            handler.Actions.Decline(older, $"checkpoint {checkpointId} {how} during the alignment of {older}");
        }
        if (_counted.Count > 0 && _counted[0].Barrier.CheckpointId == checkpointId)
        {
            _counted.RemoveAt(0);
            handler.Actions.SendCancelMarker(checkpointId);
            return this;
        }
        if (checkpointId > handler.CurrentCheckpointId)
        {
            handler.CancelAhead(checkpointId);
        }
        return this;
    }

    public override BarrierHandlerState OnEndOfInput(CheckpointBarrierHandler handler, int channel)
    {
        for (int i = _counted.Count - 1; i >= 0; i--)
        {
            if (_counted[i].IsComplete(handler.Channels))
            {
                CompleteUpTo(handler, i);
                break;
            }
        }
        return this;
    }

    /// <summary>If the checkpoint at <paramref name="index"/> is complete: it and the older ones leave the count, and it is snapshotted.</summary>
    private void CompleteUpTo(CheckpointBarrierHandler handler, int index)
    {
        Counted counted = _counted[index];
        if (!counted.IsComplete(handler.Channels))
        {
            return;
        }
        _counted.RemoveRange(0, index + 1); // the older ones are subsumed: they could complete only after this one
        handler.Actions.SnapshotAligned(counted.Barrier, Stopwatch.GetElapsedTime(counted.Started));
    }

    /// <summary>The barriers of one checkpoint seen so far.</summary>
    private sealed class Counted(CheckpointBarrier barrier, int channelCount)
    {
        private readonly bool[] _delivered = new bool[channelCount];

        public CheckpointBarrier Barrier { get; } = barrier;

        public long Started { get; } = Stopwatch.GetTimestamp();

        public void Deliver(int channel) => _delivered[channel] = true;

        public bool IsComplete(ChannelBarriers channels)
        {
            for (int c = 0; c < _delivered.Length; c++)
            {
                if (!_delivered[c] && !channels.Ended(c))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
