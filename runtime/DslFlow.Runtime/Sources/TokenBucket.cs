namespace DslFlow;

/// <summary>
/// A token bucket that limits a reader to a number of records per second on a <see cref="TimeProvider"/>. It holds
/// at most one second's worth of tokens (at least one), like Guava's bursty rate limiter that Flink uses, and
/// starts with one token so that the first record flows at once.
/// </summary>
internal sealed class TokenBucket
{
    // Floating-point refills can land a hair below a whole token after exactly the computed delay.
    private const double Epsilon = 1e-9;

    private readonly TimeProvider _time;
    private readonly double _perSecond;
    private readonly double _capacity;
    private double _tokens;
    private long _lastRefill;

    public TokenBucket(TimeProvider time, double perSecond)
    {
        _time = time;
        _perSecond = perSecond;
        _capacity = Math.Max(1, perSecond);
        _tokens = 1;
        _lastRefill = time.GetTimestamp();
    }

    /// <summary>Whether no whole token is left (without refilling).</summary>
    public bool IsEmpty => _tokens + Epsilon < 1;

    /// <summary>Takes up to <paramref name="wanted"/> tokens and returns how many it took.</summary>
    public long Take(long wanted)
    {
        Refill();
        long granted = Math.Min(wanted, (long)Math.Floor(_tokens + Epsilon));
        _tokens -= granted;
        return granted;
    }

    /// <summary>Completes when at least one token is available.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        Refill();
        if (!IsEmpty)
        {
            return default;
        }
        double seconds = (1 - _tokens) / _perSecond;
        var delay = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond)));
        return new ValueTask(Task.Delay(delay, _time, cancellationToken));
    }

    /// <summary>
    /// Checks an optional <c>RecordsPerSecond</c> setting and returns it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The rate is not a positive finite number.</exception>
    public static double? Validate(double? recordsPerSecond, string owner)
    {
        if (recordsPerSecond is double rate && !(rate > 0 && double.IsFinite(rate)))
        {
            throw new ArgumentOutOfRangeException("RecordsPerSecond", rate,
                $"{owner}.RecordsPerSecond is {rate}: it must be a positive finite number (the total rate across all " +
                "subtasks). Leave it unset for no limit.");
        }
        return recordsPerSecond;
    }

    /// <summary>One bucket per subtask, with an even share of the total rate; null when there is no limit.</summary>
    public static TokenBucket? ForSubtask(double? recordsPerSecond, NodeContext context) =>
        recordsPerSecond is double rate ? new TokenBucket(context.TimeProvider, rate / context.Parallelism) : null;

    private void Refill()
    {
        long now = _time.GetTimestamp();
        double seconds = (double)(now - _lastRefill) / _time.TimestampFrequency;
        _lastRefill = now;
        if (seconds > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + (seconds * _perSecond));
        }
    }
}
