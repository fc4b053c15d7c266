namespace DslFlow.Execution;

/// <summary>
/// What a task's thread runs now, in words. When the task does not stop after cancellation, the watchdog names it:
/// .NET cannot read another thread's stack, so this is the closest the report can get to the stuck user method.
/// Set per mailbox message, source batch and sink batch (never per record), so it costs nothing measurable.
/// </summary>
internal sealed class TaskActivity(string initial)
{
    private volatile string _current = initial;

    /// <summary>What the thread runs now.</summary>
    public string Current => _current;

    /// <summary>Marks what the thread runs until the returned scope is disposed, which restores the outer activity.</summary>
    public Scope Enter(string what)
    {
        string outer = _current;
        _current = what;
        return new Scope(this, outer);
    }

    /// <summary>Restores the outer activity when disposed.</summary>
    public readonly ref struct Scope(TaskActivity owner, string outer)
    {
        public void Dispose() => owner._current = outer;
    }
}
