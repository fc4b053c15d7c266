using System.Collections.Concurrent;

namespace DslFlow;

/// <summary>
/// Which sink node of a job run writes into an output directory, in this process. Two FileSink nodes of one job
/// pointed at one directory would carry the same run id and take each other's files for their own (one's
/// compaction rolling back the other's), so the second one is refused when the job starts.
/// </summary>
internal static class RunOwnership
{
    private static readonly ConcurrentDictionary<(string Directory, Guid Run), string> s_owners = new();

    /// <exception cref="JobConfigurationException">Another node of the run already writes there.</exception>
    public static void Claim(string directory, Guid run, string node, string job)
    {
        string owner = s_owners.GetOrAdd((directory, run), node);
        if (owner != node)
        {
            throw new JobConfigurationException($"Sinks '{owner}' and '{node}' of job '{job}' both write into '{directory}'. "
                + "Each FileSink needs its own directory (a subdirectory each is enough): sharing one, they would take each "
                + "other's part files for their own.");
        }
    }
}
