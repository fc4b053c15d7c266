namespace DslFlow.Connectors.Nats;

/// <summary>
/// Waits for the NATS client's asynchronous calls from a subtask's thread. The call runs on the thread pool: a subtask
/// thread runs under its own task scheduler, and a continuation the client schedules there would wait for the very
/// thread that waits for it.
/// </summary>
internal static class Blocking
{
    public static TResult Wait<TResult>(Func<Task<TResult>> call) => Task.Run(call).GetAwaiter().GetResult();

    public static void Wait(Func<Task> call) => Task.Run(call).GetAwaiter().GetResult();
}
