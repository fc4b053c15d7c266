// Shared source: compiled into the runtime (WindowAssigner's checks) and, later, into the generator and analyzers
// (DSLF5xxx diagnostics on [Window]), so the rules and their message texts are defined once. Keep it
// netstandard2.0-compatible: no newer APIs.
#nullable enable

namespace DslFlow.Time.Windows
{
    /// <summary>The rules of a window's size, slide, gap and lateness, with the message each broken rule reports.</summary>
    internal static class WindowRules
    {
        /// <summary>The message for a size, slide or gap of <paramref name="owner"/> that is not positive, or null.</summary>
        public static string? NotPositive(string owner, string name, long milliseconds) =>
            milliseconds > 0 ? null
                : $"The window of {owner} has {name} = {milliseconds}, which must be positive: a window needs a length in milliseconds.";

        /// <summary>The message for a negative allowed lateness of <paramref name="owner"/>, or null.</summary>
        public static string? NegativeLateness(string owner, long milliseconds) =>
            milliseconds >= 0 ? null
                : $"The window of {owner} has AllowedLatenessMs = {milliseconds}, which must not be negative: 0 drops every "
                    + "record behind the watermark, a positive value keeps each window that long after it fired for late records.";

        /// <summary>The most windows one record may belong to (size ÷ slide).</summary>
        public const long MaxWindowsPerRecord = 10_000;

        /// <summary>The message for a sliding window whose records would each belong to too many windows, or null.</summary>
        public static string? TooManyWindows(string owner, long size, long slide) =>
            slide <= 0 || size / slide <= MaxWindowsPerRecord ? null
                : $"The window of {owner} is {size} ms long and slides every {slide} ms, so each record would belong to "
                    + $"{size / slide} windows, each with its own accumulator; keep SizeMs / SlideMs at most {MaxWindowsPerRecord}.";

        /// <summary>The warning for a slide larger than the size (records between windows fall in none), or null.</summary>
        public static string? SlideBeyondSize(string owner, long size, long slide) =>
            slide <= size ? null
                : $"The window of {owner} slides {slide} ms but is only {size} ms long: records in the {slide - size} ms between "
                    + "two windows belong to none and are dropped. Make SlideMs at most SizeMs.";
    }
}
