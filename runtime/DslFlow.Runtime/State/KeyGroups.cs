using System.Runtime.CompilerServices;

namespace DslFlow;

/// <summary>
/// Key-group arithmetic, as in Flink: a key belongs to key group <c>stableHash(key) mod maxParallelism</c>;
/// key group <c>g</c> belongs to subtask <c>g * parallelism / maxParallelism</c>.
/// </summary>
public static class KeyGroups
{
    /// <summary>The key group of a key's stable hash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Assign(int stableHash, int maxParallelism)
    {
        uint hash = (uint)stableHash, groups = (uint)maxParallelism;
        // A power of two (the default 128) needs no division; the result is the same as the modulo.
        return (int)((groups & (groups - 1)) == 0 ? hash & (groups - 1) : hash % groups);
    }

    /// <summary>The subtask that owns a key group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SubtaskOf(int keyGroup, int parallelism, int maxParallelism) => keyGroup * parallelism / maxParallelism;

    /// <summary>The key groups owned by a subtask (the inverse of <see cref="SubtaskOf"/>).</summary>
    public static KeyGroupRange RangeOf(int subtaskIndex, int parallelism, int maxParallelism)
    {
        Validate(parallelism, maxParallelism);
        ArgumentOutOfRangeException.ThrowIfNegative(subtaskIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(subtaskIndex, parallelism);
        int start = (int)(((long)subtaskIndex * maxParallelism + parallelism - 1) / parallelism);
        int end = (int)(((long)(subtaskIndex + 1) * maxParallelism + parallelism - 1) / parallelism) - 1;
        return new KeyGroupRange(start, end);
    }

    /// <summary>Throws when the pair cannot describe a keyed node.</summary>
    public static void Validate(int parallelism, int maxParallelism)
    {
        if (maxParallelism < 1 || maxParallelism > 32768)
        {
            throw new ArgumentOutOfRangeException(nameof(maxParallelism), maxParallelism,
                "MaxParallelism must be between 1 and 32768.");
        }
        if (parallelism < 1 || parallelism > maxParallelism)
        {
            throw new ArgumentOutOfRangeException(nameof(parallelism), parallelism,
                $"Parallelism must be between 1 and MaxParallelism ({maxParallelism}).");
        }
    }
}
