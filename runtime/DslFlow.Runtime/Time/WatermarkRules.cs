// Shared source: compiled into the runtime (WatermarkStrategy.Validate at start) and into the generator and analyzers
// (DSLF5xxx diagnostics on [Watermarks]), so the rules and their message texts are defined once. Keep it
// netstandard2.0-compatible: no newer APIs.
#nullable enable

namespace DslFlow.Time
{
    /// <summary>The rules of a watermark strategy's durations, with the message each broken rule reports.</summary>
    internal static class WatermarkRules
    {
        public const string InvalidWatermarkSetting = "DSLF5004";

        public const string OutOfOrderness = "OutOfOrderness";
        public const string IdleTimeout = "IdleTimeout";
        public const string EmitInterval = "EmitInterval";

        /// <summary>What each duration means and the value to set, for the message.</summary>
        public static string Meaning(string setting) => setting switch
        {
            OutOfOrderness => "the longest a record may arrive behind the newest one of its split (for input in timestamp order, 1 ms)",
            IdleTimeout => "how long a split may go without records before it stops holding the watermark back, or leave it unset to keep every split active",
            _ => "how often watermarks go out (the default is 200 ms)",
        };

        /// <summary>
        /// The message for a duration of <paramref name="owner"/> that is not positive, or null when it is.
        /// <paramref name="name"/> is the setting as the user wrote it (<c>OutOfOrdernessMs</c> on the attribute,
        /// <c>OutOfOrderness</c> in the options), <paramref name="shown"/> its value as written.
        /// </summary>
        public static string? NotPositive(string owner, string setting, string name, double milliseconds, string shown) =>
            milliseconds > 0 ? null
                : $"The watermark strategy of {owner} has {name} = {shown}, which must be positive: set it to {Meaning(setting)}.";
    }
}
