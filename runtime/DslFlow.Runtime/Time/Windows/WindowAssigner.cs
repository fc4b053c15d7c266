using System.ComponentModel;
using DslFlow.Time.Windows;

namespace DslFlow;

/// <summary>
/// Which windows a record's time belongs to (Flink's <c>WindowAssigner</c>): tumbling (fixed, back to back), sliding
/// (fixed, overlapping every slide) or session (a gap of inactivity closes it; sessions of a key that touch merge).
/// Windows align to the epoch, like Flink's with offset 0. Created by generated code from a node's <c>[Window]</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class WindowAssigner
{
    private WindowAssigner(long size, long slide, long gap)
    {
        Size = size;
        Slide = slide;
        Gap = gap;
    }

    /// <summary>The length of tumbling and sliding windows (0 for sessions).</summary>
    public long Size { get; }

    /// <summary>How far sliding windows move (the size for tumbling ones; 0 for sessions).</summary>
    public long Slide { get; }

    /// <summary>The inactivity that ends a session (0 otherwise).</summary>
    public long Gap { get; }

    /// <summary>Whether windows merge (sessions).</summary>
    public bool Merging => Gap > 0;

    /// <summary>The most windows one record belongs to.</summary>
    public int MaxWindowsPerRecord => Merging ? 1 : (int)(Size / Slide + (Size % Slide != 0 ? 1 : 0));

    /// <summary>Back-to-back windows of <paramref name="sizeMs"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The size is not positive.</exception>
    public static WindowAssigner Tumbling(string owner, long sizeMs) => Sliding(owner, sizeMs, sizeMs);

    /// <summary>Windows of <paramref name="sizeMs"/> starting every <paramref name="slideMs"/>.</summary>
    /// <remarks>A slide larger than the size leaves gaps: records there belong to no window and count as late (as in Flink).</remarks>
    /// <exception cref="ArgumentOutOfRangeException">The size or slide is not positive.</exception>
    public static WindowAssigner Sliding(string owner, long sizeMs, long slideMs)
    {
        Check(WindowRules.NotPositive(owner, "SizeMs", sizeMs), sizeMs);
        Check(WindowRules.NotPositive(owner, "SlideMs", slideMs), slideMs);
        Check(WindowRules.TooManyWindows(owner, sizeMs, slideMs), slideMs);
        return new WindowAssigner(sizeMs, slideMs, 0);
    }

    /// <summary>Sessions that close after <paramref name="gapMs"/> without records of their key.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The gap is not positive.</exception>
    public static WindowAssigner Session(string owner, long gapMs)
    {
        Check(WindowRules.NotPositive(owner, "GapMs", gapMs), gapMs);
        return new WindowAssigner(0, 0, gapMs);
    }

    /// <summary>
    /// Writes the windows of a record at <paramref name="time"/> into <paramref name="windows"/> (at least
    /// <see cref="MaxWindowsPerRecord"/> long), latest first as Flink does; returns how many.
    /// </summary>
    public int Assign(long time, Span<TimeWindow> windows)
    {
        if (Merging)
        {
            windows[0] = new TimeWindow(time, SaturatingAdd(time, Gap));
            return 1;
        }
        long lastStart = time - Modulo(time, Slide);
        int count = 0;
        for (long start = lastStart; start > time - Size; start -= Slide)
        {
            windows[count++] = new TimeWindow(start, SaturatingAdd(start, Size));
        }
        return count;
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/>, or <see cref="long.MaxValue"/> when that overflows.</summary>
    internal static long SaturatingAdd(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;

    private static long Modulo(long time, long slide) => ((time % slide) + slide) % slide; // negative times align too

    private static void Check(string? problem, long value)
    {
        if (problem is not null)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, problem);
        }
    }
}
