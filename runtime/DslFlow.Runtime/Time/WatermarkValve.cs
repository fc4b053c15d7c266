namespace DslFlow.Time;

/// <summary>
/// A task's input watermark over its channels (Flink's <c>StatusWatermarkValve</c>): the minimum of the watermarks of
/// the channels that are active and have caught up with the last output; an idle channel does not hold it back; when
/// every open channel is idle the valve flushes the highest watermark an open channel reached and goes idle itself.
/// Watermarks only advance. A channel that ended holds nothing back, but it never outvotes an idle channel, which may
/// still send records: only when every channel ended does the valve emit the maximum watermark. Single-threaded: the
/// task thread owns it.
/// </summary>
public sealed class WatermarkValve
{
    private readonly long[] _watermarks;
    private readonly bool[] _idle;
    private readonly bool[] _ended;
    private readonly bool[] _aligned; // open, active, and at or above the last output: takes part in the minimum
    private readonly IWatermarkOutput _output;

    /// <summary>Creates a valve over <paramref name="channels"/> channels, each active and at no watermark yet.</summary>
    public WatermarkValve(int channels, IWatermarkOutput output)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _output = output ?? throw new ArgumentNullException(nameof(output));
        _watermarks = new long[channels];
        Array.Fill(_watermarks, long.MinValue);
        _idle = new bool[channels];
        _ended = new bool[channels];
        _aligned = new bool[channels];
        Array.Fill(_aligned, true);
    }

    /// <summary>The last watermark the valve emitted (<see cref="long.MinValue"/> before the first).</summary>
    public long Current { get; private set; } = long.MinValue;

    /// <summary>True while every open channel is idle.</summary>
    public bool IsIdle { get; private set; }

    /// <summary>
    /// A watermark arrived on <paramref name="channel"/>. Ignored while the channel is idle (its sender announces that it
    /// is active first) and when it does not advance the channel.
    /// </summary>
    public void OnWatermark(int channel, long timestamp)
    {
        if (timestamp == long.MaxValue)
        {
            OnEndOfInput(channel); // its sender ended: it holds nothing back, but must not outvote an idle channel
            return;
        }
        if (IsIdle || _idle[channel] || _ended[channel] || timestamp <= _watermarks[channel])
        {
            return;
        }
        _watermarks[channel] = timestamp;
        if (timestamp >= Current)
        {
            _aligned[channel] = true; // caught up: from now on it takes part in the minimum
        }
        EmitNewMinimum();
    }

    /// <summary>A channel went idle or became active again.</summary>
    public void OnStatus(int channel, bool idle)
    {
        if (_ended[channel])
        {
            return;
        }
        if (idle && !_idle[channel])
        {
            _idle[channel] = true;
            _aligned[channel] = false;
            if (!AnyOpenActive())
            {
                GoIdle(); // no open channel will advance now: flush what the last active one held back
            }
            else if (_watermarks[channel] == Current)
            {
                EmitNewMinimum(); // it may have been the one holding the minimum back
            }
        }
        else if (!idle && _idle[channel])
        {
            _idle[channel] = false;
            if (_watermarks[channel] >= Current)
            {
                _aligned[channel] = true;
            }
            if (IsIdle)
            {
                IsIdle = false;
                _output.EmitStatus(idle: false);
            }
        }
    }

    /// <summary>
    /// The channel ended: it holds nothing back any more. Once every channel ended, the maximum watermark; before, the
    /// minimum over the open active channels, or — with every open channel idle — their highest watermark.
    /// </summary>
    public void OnEndOfInput(int channel)
    {
        if (_ended[channel])
        {
            return;
        }
        _ended[channel] = true;
        _idle[channel] = false;
        _aligned[channel] = false;
        _watermarks[channel] = long.MaxValue;
        if (Array.IndexOf(_ended, false) < 0)
        {
            if (IsIdle)
            {
                IsIdle = false;
                _output.EmitStatus(idle: false);
            }
            Emit(long.MaxValue);
        }
        else if (!AnyOpenActive())
        {
            GoIdle();
        }
        else
        {
            EmitNewMinimum();
        }
    }

    private bool AnyOpenActive()
    {
        for (int i = 0; i < _idle.Length; i++)
        {
            if (!_ended[i] && !_idle[i])
            {
                return true;
            }
        }
        return false;
    }

    private void GoIdle()
    {
        long maximum = long.MinValue;
        for (int i = 0; i < _watermarks.Length; i++)
        {
            if (!_ended[i])
            {
                maximum = Math.Max(maximum, _watermarks[i]);
            }
        }
        Emit(maximum);
        if (!IsIdle)
        {
            IsIdle = true;
            _output.EmitStatus(idle: true);
        }
    }

    private void EmitNewMinimum()
    {
        long minimum = long.MaxValue;
        bool any = false;
        for (int i = 0; i < _watermarks.Length; i++)
        {
            if (_aligned[i])
            {
                any = true;
                minimum = Math.Min(minimum, _watermarks[i]);
            }
        }
        if (any)
        {
            Emit(minimum);
        }
    }

    private void Emit(long watermark)
    {
        if (watermark > Current)
        {
            Current = watermark;
            _output.EmitWatermark(watermark);
        }
    }
}
