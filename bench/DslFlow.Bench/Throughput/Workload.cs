using System.Runtime.CompilerServices;

namespace DslFlow.Bench.Throughput;

/// <summary>The per-record logic every variant runs, so all compute the same checksum.</summary>
internal static class Workload
{
    public const int Keys = 10_000;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Mix(long x) => (x * 0x9E3779B1L) ^ (x >> 3);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool Keep(long x) => (x & 4) == 0;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Key(long x) => (x & long.MaxValue) % Keys;
}
