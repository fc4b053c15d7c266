namespace DslFlow;

/// <summary>
/// Decides whether and when a failed job restarts from its latest completed checkpoint (Flink's restart strategies).
/// </summary>
public abstract class RestartStrategy
{
    /// <summary>
    /// The default when checkpoints are on: exponential backoff from 1 s, doubling up to 1 min, at most 10 restarts
    /// over the job's life (a persistent failure surfaces after about 5 minutes instead of looping for ever).
    /// </summary>
    public static RestartStrategy Default { get; } = new ExponentialBackoffRestart(10, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 2.0);

    /// <summary>Never restart: the first failure fails the job (the default when checkpoints are off).</summary>
    public static RestartStrategy None { get; } = new NoRestart();

    /// <summary>Restart after a fixed delay, at most <paramref name="maxAttempts"/> times.</summary>
    public static RestartStrategy FixedDelay(int maxAttempts, TimeSpan delay) => new FixedDelayRestart(maxAttempts, delay);

    /// <summary>
    /// Restart with a delay that starts at <paramref name="initialDelay"/> and is multiplied by
    /// <paramref name="multiplier"/> after each failure, up to <paramref name="maxDelay"/>, at most
    /// <paramref name="maxAttempts"/> times.
    /// </summary>
    public static RestartStrategy ExponentialBackoff(int maxAttempts, TimeSpan initialDelay, TimeSpan maxDelay, double multiplier = 2.0) =>
        new ExponentialBackoffRestart(maxAttempts, initialDelay, maxDelay, multiplier);

    /// <summary>The delay before restart attempt <paramref name="attempt"/> (1-based), or null to give up.</summary>
    public abstract TimeSpan? DelayBeforeAttempt(int attempt);

    private sealed class NoRestart : RestartStrategy
    {
        public override TimeSpan? DelayBeforeAttempt(int attempt) => null;

        public override string ToString() => "no restart";
    }

    private sealed class FixedDelayRestart : RestartStrategy
    {
        private readonly int _maxAttempts;
        private readonly TimeSpan _delay;

        public FixedDelayRestart(int maxAttempts, TimeSpan delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1, nameof(maxAttempts));
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(delay));
            _maxAttempts = maxAttempts;
            _delay = delay;
        }

        public override TimeSpan? DelayBeforeAttempt(int attempt) => attempt <= _maxAttempts ? _delay : null;

        public override string ToString() => $"fixed delay {_delay}, at most {_maxAttempts} attempts";
    }

    private sealed class ExponentialBackoffRestart : RestartStrategy
    {
        private readonly int _maxAttempts;
        private readonly TimeSpan _initial;
        private readonly TimeSpan _max;
        private readonly double _multiplier;

        public ExponentialBackoffRestart(int maxAttempts, TimeSpan initial, TimeSpan max, double multiplier)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1, nameof(maxAttempts));
            ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero, nameof(initial));
            if (max < initial)
            {
                throw new ArgumentOutOfRangeException(nameof(max), max, $"The maximum delay must not be below the initial delay ({initial}).");
            }
            if (!(multiplier >= 1.0) || double.IsInfinity(multiplier))
            {
                throw new ArgumentOutOfRangeException(nameof(multiplier), multiplier, "The multiplier must be a finite number of at least 1.");
            }
            _maxAttempts = maxAttempts;
            _initial = initial;
            _max = max;
            _multiplier = multiplier;
        }

        public override TimeSpan? DelayBeforeAttempt(int attempt)
        {
            if (attempt > _maxAttempts)
            {
                return null;
            }
            double ticks = _initial.Ticks * Math.Pow(_multiplier, attempt - 1);
            return ticks >= _max.Ticks ? _max : TimeSpan.FromTicks((long)ticks);
        }

        public override string ToString() => $"exponential backoff {_initial}..{_max} ×{_multiplier}, at most {_maxAttempts} attempts";
    }
}
