namespace DslFlow.Checkpointing;

/// <summary>
/// Per input channel, for the checkpoint a <see cref="CheckpointBarrierHandler"/> handles now: whether the channel
/// delivered its barrier (and the barrier's sequence number), whether the handler blocked it, and whether it ended (an
/// ended channel owes no barrier, for ever). Forward and broadcast channels stay aligned under unaligned checkpoints.
/// </summary>
internal sealed class ChannelBarriers
{
    /// <summary>The sequence recorded for a barrier delivered in order while the checkpoint was aligned: it overtook nothing.</summary>
    public const long InOrder = long.MinValue;

    private readonly long[] _sequence;
    private readonly bool[] _delivered;
    private readonly bool[] _blocked;
    private readonly bool[] _ended;
    private readonly bool[] _staysAligned;
    private int _owing; // channels neither delivered nor ended

    public ChannelBarriers(int count, IReadOnlyList<bool>? staysAligned)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _sequence = new long[count];
        _delivered = new bool[count];
        _blocked = new bool[count];
        _ended = new bool[count];
        _staysAligned = staysAligned is null ? new bool[count] : [.. staysAligned];
        if (_staysAligned.Length != count)
        {
            throw new ArgumentException($"{_staysAligned.Length} channel kinds for {count} channels.", nameof(staysAligned));
        }
        _owing = count;
    }

    /// <summary>The number of channels.</summary>
    public int Count => _delivered.Length;

    /// <summary>True when every channel delivered the barrier or ended.</summary>
    public bool AllDelivered => _owing == 0;

    /// <summary>True when a forward or broadcast channel still owes the barrier (an unaligned snapshot waits for it).</summary>
    public bool AlignedChannelOwes
    {
        get
        {
            for (int c = 0; c < _delivered.Length; c++)
            {
                if (_staysAligned[c] && !_delivered[c] && !_ended[c])
                {
                    return true;
                }
            }
            return false;
        }
    }

    public bool Delivered(int channel) => _delivered[channel];

    public bool Ended(int channel) => _ended[channel];

    public bool StaysAligned(int channel) => _staysAligned[channel];

    public bool IsBlocked(int channel) => _blocked[channel];

    /// <summary>The sequence number of the channel's barrier (<see cref="InOrder"/> when delivered aligned).</summary>
    public long Sequence(int channel) => _sequence[channel];

    /// <summary>Marks the channel's barrier delivered; false when it was already.</summary>
    public bool Deliver(int channel, long sequence)
    {
        if (_delivered[channel])
        {
            return false;
        }
        _delivered[channel] = true;
        _sequence[channel] = sequence;
        _owing -= _ended[channel] ? 0 : 1;
        return true;
    }

    /// <summary>Marks the channel ended; false when it was already.</summary>
    public bool End(int channel)
    {
        if (_ended[channel])
        {
            return false;
        }
        _ended[channel] = true;
        _owing -= _delivered[channel] ? 0 : 1;
        return true;
    }

    public void MarkBlocked(int channel, bool blocked) => _blocked[channel] = blocked;

    /// <summary>Forgets the deliveries of the checkpoint handled until now (the blocks are the handler's to lift first).</summary>
    public void Reset()
    {
        Array.Clear(_delivered);
        _owing = 0;
        for (int c = 0; c < _ended.Length; c++)
        {
            _owing += _ended[c] ? 0 : 1;
        }
    }
}
