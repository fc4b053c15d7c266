namespace DslFlow.Runtime.Tests.Support;

/// <summary>Waits for a condition that other threads make true; fails with a description after a generous bound.</summary>
internal static class Eventually
{
    public static void True(Func<bool> condition, string what, int timeoutMs = 20_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
            Thread.Sleep(1);
        }
    }
}
