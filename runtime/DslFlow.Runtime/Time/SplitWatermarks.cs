namespace DslFlow.Time;

/// <summary>
/// Watermark generation of one source subtask, per source split (Flink's per-split watermarks and
/// <c>WatermarkOutputMultiplexer</c>): each split tracks the highest timestamp of its records; every
/// <see cref="WatermarkStrategy.EmitInterval"/> the source calls <see cref="EmitPeriodic"/>, which emits the minimum over
/// the splits that are not idle, trailing by <see cref="WatermarkStrategy.OutOfOrderness"/>. A lagging split holds the
/// watermark back; a split without records for <see cref="WatermarkStrategy.IdleTimeout"/> does not (checked at each
/// emission, so idleness shows within the timeout plus one interval); with every split idle the source goes idle.
/// Owned by the source's task thread.
/// </summary>
public sealed class SplitWatermarks
{
    private readonly long _lagMilliseconds;
    private readonly TimeSpan? _idleTimeout;
    private readonly TimeProvider _time;
    private readonly IWatermarkOutput _output;
    private readonly List<Split> _splits = [];
    private bool _idle;

    /// <summary>Creates the generator of one source subtask.</summary>
    /// <exception cref="JobConfigurationException">The strategy is invalid.</exception>
    public SplitWatermarks(WatermarkStrategy strategy, string owner, TimeProvider time, IWatermarkOutput output)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        strategy.Validate(owner);
        _lagMilliseconds = (long)Math.Ceiling(strategy.OutOfOrderness.TotalMilliseconds) + 1; // Flink: max − bound − 1
        _idleTimeout = strategy.IdleTimeout;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _output = output ?? throw new ArgumentNullException(nameof(output));
    }

    /// <summary>The last watermark emitted (<see cref="long.MinValue"/> before the first).</summary>
    public long Current { get; private set; } = long.MinValue;

    /// <summary>True while the source is idle (every split idle, or none assigned).</summary>
    public bool IsIdle => _idle;

    /// <summary>A split the subtask started reading (a file, a subject, a slot); records report to its handle.</summary>
    public Split AddSplit()
    {
        var split = new Split(this);
        _splits.Add(split);
        return split;
    }

    /// <summary>A split that ended: it holds nothing back any more.</summary>
    public void RemoveSplit(Split split) => _splits.Remove(split);

    /// <summary>
    /// The periodic emission: a new watermark if the active splits' minimum advanced, and idleness changes. While the
    /// source is <paramref name="backpressured"/> (its outputs are blocked, or records it read wait to go out) no split
    /// counts as idle: they have records, the pipeline just cannot take them (Flink pauses idleness the same way).
    /// </summary>
    public void EmitPeriodic(bool backpressured = false)
    {
        if (Current == long.MaxValue)
        {
            return; // the end of input was emitted: nothing may follow it (a periodic mail queued before it)
        }
        long now = _time.GetTimestamp();
        if (backpressured)
        {
            foreach (Split split in _splits)
            {
                split.MarkActive();
            }
        }
        long minimum = long.MaxValue;
        bool active = false;
        foreach (Split split in _splits)
        {
            if (!split.IsIdle(now))
            {
                active = true;
                minimum = Math.Min(minimum, split.Watermark);
            }
        }
        if (!active)
        {
            if (!_idle)
            {
                _idle = true;
                _output.EmitStatus(idle: true);
            }
            return;
        }
        if (_idle)
        {
            _idle = false;
            _output.EmitStatus(idle: false);
        }
        if (minimum > Current)
        {
            Current = minimum;
            _output.EmitWatermark(minimum);
        }
    }

    /// <summary>The source's end of input: the maximum watermark, so every event-time timer downstream may fire.</summary>
    public void EndOfInput()
    {
        if (_idle)
        {
            _idle = false;
            _output.EmitStatus(idle: false);
        }
        if (Current < long.MaxValue)
        {
            Current = long.MaxValue;
            _output.EmitWatermark(long.MaxValue);
        }
    }

    /// <summary>One split's event time: the highest timestamp of its records, and whether it has gone idle.</summary>
    public sealed class Split
    {
        private readonly SplitWatermarks _owner;
        private long _maxTimestamp = long.MinValue;
        private long _records;
        private long _recordsAtLastCheck;
        private long? _inactiveSince; // when the last check first saw no new records

        internal Split(SplitWatermarks owner) => _owner = owner;

        /// <summary>A record of this split with event time <paramref name="timestamp"/> (Unix milliseconds) was read.</summary>
        public void OnRecord(long timestamp)
        {
            if (timestamp > _maxTimestamp)
            {
                _maxTimestamp = timestamp;
            }
            _records++;
        }

        /// <summary><paramref name="count"/> records of this split were read, the latest event time among them <paramref name="maxTimestamp"/>.</summary>
        public void OnRecords(long maxTimestamp, int count)
        {
            if (maxTimestamp > _maxTimestamp)
            {
                _maxTimestamp = maxTimestamp;
            }
            _records += count;
        }

        /// <summary>The split's watermark: its highest timestamp minus the bound, minus 1 ms (nothing yet: the minimum).</summary>
        internal long Watermark => _maxTimestamp < long.MinValue + _owner._lagMilliseconds ? long.MinValue : _maxTimestamp - _owner._lagMilliseconds;

        /// <summary>The split is busy though no record went out (backpressure): its idleness starts over.</summary>
        internal void MarkActive()
        {
            _recordsAtLastCheck = _records;
            _inactiveSince = null;
        }

        /// <summary>Flink's <c>IdlenessTimer</c>: idle once two checks <see cref="WatermarkStrategy.IdleTimeout"/> apart saw no record.</summary>
        internal bool IsIdle(long now)
        {
            if (_owner._idleTimeout is not { } timeout)
            {
                return false;
            }
            if (_records != _recordsAtLastCheck)
            {
                _recordsAtLastCheck = _records;
                _inactiveSince = null;
                return false;
            }
            _inactiveSince ??= now;
            return _owner._time.GetElapsedTime(_inactiveSince.Value, now) >= timeout;
        }
    }
}
