namespace DslFlow.Checkpointing;

/// <summary>Thrown by a test's fault injector to stop the storage at one step, as a process crash would.</summary>
internal sealed class SimulatedCrashException(string step) : Exception($"simulated crash before {step}")
{
    public string Step { get; } = step;
}
