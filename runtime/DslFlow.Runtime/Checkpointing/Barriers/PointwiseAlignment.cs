namespace DslFlow.Checkpointing;

/// <summary>
/// Under unaligned checkpoints, forward and broadcast channels stay aligned (as in Flink): their barriers travel in
/// order, and a task takes its snapshot only once each of them delivered the barrier, so their in-flight records are
/// processed before the snapshot and never become channel state (which a rescale could not split: a forward channel
/// has no key to filter by, a broadcast one holds copies). Until then every channel that delivered the barrier —
/// aligned or overtaken by a priority barrier — is blocked, so nothing sent after a barrier is processed before the
/// snapshot; the buffers a priority barrier overtook stay queued and become channel state at the snapshot. Used on the
/// task thread.
/// </summary>
internal sealed class PointwiseAlignment(IReadOnlyList<bool> staysAligned)
{
    /// <summary>Sequence recorded for a channel that delivered the barrier in order before the checkpoint turned unaligned.</summary>
    public const long InOrder = long.MinValue;

    private readonly long?[] _delivered = new long?[staysAligned.Count];
    private int _alignedPending;

    /// <summary>The barrier whose aligned channels are awaited, or null.</summary>
    public CheckpointBarrier? Barrier { get; private set; }

    /// <summary>The awaited checkpoint, or -1.</summary>
    public long CheckpointId => Barrier?.CheckpointId ?? -1;

    /// <summary>True when no aligned channel is still owed a barrier.</summary>
    public bool IsComplete => _alignedPending == 0;

    /// <summary>True when <paramref name="channel"/> stays aligned under unaligned checkpoints.</summary>
    public bool StaysAligned(int channel) => staysAligned[channel];

    /// <summary>
    /// Starts waiting for <paramref name="barrier"/> on every aligned channel that has not ended. False (and nothing
    /// started) when there is none: the task can snapshot at once.
    /// </summary>
    public bool Start(CheckpointBarrier barrier, Func<int, bool> ended)
    {
        Reset();
        for (int c = 0; c < _delivered.Length; c++)
        {
            _alignedPending += staysAligned[c] && !ended(c) ? 1 : 0;
        }
        if (_alignedPending == 0)
        {
            return false;
        }
        Barrier = barrier;
        return true;
    }

    /// <summary>The channel delivered the barrier (<see cref="InOrder"/>, or the priority barrier's sequence number).</summary>
    public void Deliver(int channel, long sequence)
    {
        if (_delivered[channel] is not null)
        {
            return;
        }
        _delivered[channel] = sequence;
        _alignedPending -= staysAligned[channel] ? 1 : 0;
    }

    /// <summary>The channel ended: an aligned one no longer owes a barrier.</summary>
    public void OnEndOfInput(int channel)
    {
        if (_delivered[channel] is null && staysAligned[channel])
        {
            _delivered[channel] = InOrder;
            _alignedPending--;
        }
    }

    /// <summary>The channels that delivered the barrier, with their barrier's sequence number.</summary>
    public List<(int Channel, long Sequence)> Delivered()
    {
        var delivered = new List<(int, long)>();
        for (int c = 0; c < _delivered.Length; c++)
        {
            if (_delivered[c] is long sequence)
            {
                delivered.Add((c, sequence));
            }
        }
        return delivered;
    }

    /// <summary>Forgets the awaited checkpoint.</summary>
    public void Reset()
    {
        Array.Clear(_delivered);
        _alignedPending = 0;
        Barrier = null;
    }
}
