namespace DslFlow;

/// <summary>
/// Continuous mode of a <see cref="FileLineSource"/> (<see cref="FileLineSource.DiscoveryInterval"/>), the part of
/// Flink's continuous file enumerator that lives in one share: every interval it lists the pattern again and takes
/// the files no share knows whose owner is this share — <c>StableHash(path) mod origin parallelism = origin
/// subtask</c>, the same in every process — sorted ordinally. Files of the first listing belong to their shares by
/// index and every share remembers them, so no file is taken twice.
/// </summary>
internal sealed class FileDiscovery(string pattern, TimeSpan interval, TimeProvider time, int originSubtask, int originParallelism)
{
    private DateTimeOffset _dueAt = time.GetUtcNow() + interval;

    /// <summary>True when the next listing is due.</summary>
    public bool IsDue => time.GetUtcNow() >= _dueAt;

    /// <summary>The share (origin subtask) that owns a file the first listing did not name.</summary>
    public static int OwnerOf(string path, int parallelism) => (int)((uint)StableHash.Of(path) % (uint)parallelism);

    /// <summary>Lists the pattern now and returns this share's new files, sorted ordinally; the next listing is one interval later.</summary>
    /// <exception cref="JobConfigurationException">The pattern's directory does not exist.</exception>
    public List<FileSplit> Discover(FileLineShare share)
    {
        _dueAt = time.GetUtcNow() + interval;
        var found = new List<FileSplit>();
        foreach (string path in FileGlob.Resolve(pattern, allowNoMatch: true))
        {
            if (!share.Knows(path) && OwnerOf(path, originParallelism) == originSubtask && FileIdentity.Of(path) is { } identity)
            {
                found.Add(new FileSplit(path, identity, 0));
            }
        }
        return found;
    }

    /// <summary>Completes when the next listing is due.</summary>
    public ValueTask WaitUntilDueAsync(CancellationToken cancellationToken)
    {
        TimeSpan wait = _dueAt - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? default : new ValueTask(Task.Delay(wait, time, cancellationToken));
    }
}
