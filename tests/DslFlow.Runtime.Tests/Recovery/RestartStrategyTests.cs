namespace DslFlow.Runtime.Tests.Recovery;

public class RestartStrategyTests
{
    [Fact]
    public void Fixed_delay_restarts_a_bounded_number_of_times()
    {
        RestartStrategy s = RestartStrategy.FixedDelay(2, TimeSpan.FromSeconds(1));
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), (TimeSpan?)null], new[] { s.DelayBeforeAttempt(1), s.DelayBeforeAttempt(2), s.DelayBeforeAttempt(3) });
        Assert.Null(RestartStrategy.None.DelayBeforeAttempt(1));
    }

    [Fact]
    public void Exponential_backoff_grows_to_its_cap()
    {
        RestartStrategy s = RestartStrategy.ExponentialBackoff(5, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500));
        Assert.Equal(
            [100, 200, 400, 500, 500],
            Enumerable.Range(1, 5).Select(a => s.DelayBeforeAttempt(a)!.Value.TotalMilliseconds));
        Assert.Null(s.DelayBeforeAttempt(6));
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartStrategy.FixedDelay(0, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartStrategy.ExponentialBackoff(1, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => RestartStrategy.ExponentialBackoff(1, TimeSpan.Zero, TimeSpan.Zero, double.NaN));
    }
}
