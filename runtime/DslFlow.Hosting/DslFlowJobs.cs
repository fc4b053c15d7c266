using System.Collections.Concurrent;

namespace DslFlow.Hosting;

/// <summary>
/// The jobs the host runs, by name (a singleton in the service provider): read a job's progress and checkpoint
/// statistics, or cancel it, from the rest of the application (health checks, an admin endpoint).
/// </summary>
public sealed class DslFlowJobs
{
    private readonly ConcurrentDictionary<string, JobHandle> _jobs = new(StringComparer.Ordinal);

    /// <summary>The names of the jobs started so far.</summary>
    public IReadOnlyCollection<string> Names => _jobs.Keys.ToList();

    /// <summary>The running or ended job registered as <paramref name="name"/>, or null before it started.</summary>
    /// <param name="name">The name given to <c>AddDslFlowJob</c>.</param>
    public JobHandle? Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _jobs.TryGetValue(name, out JobHandle? job) ? job : null;
    }

    internal void Set(string name, JobHandle job) => _jobs[name] = job;
}
