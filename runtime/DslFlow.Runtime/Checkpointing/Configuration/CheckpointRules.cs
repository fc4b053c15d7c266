// Shared source: compiled into the runtime (validation at start) and into the analyzers (DSLF1xxx diagnostics),
// so the rules and their message texts are defined once. Keep it netstandard2.0-compatible: no newer APIs.
#nullable enable
using System.Collections.Generic;

namespace DslFlow.Checkpointing
{
    /// <summary>
    /// The checkpoint settings a rule looks at (milliseconds; null = not set, which means the default — except for
    /// <see cref="IntervalMs"/>, which has none).
    /// </summary>
    internal readonly struct CheckpointSettings
    {
        public CheckpointSettings(long? intervalMs, bool exactlyOnce, long? timeoutMs, long? minPauseMs, int? maxConcurrent,
            int? tolerableFailures, int? retained, bool unaligned, long? alignedTimeoutMs)
        {
            IntervalMs = intervalMs;
            ExactlyOnce = exactlyOnce;
            TimeoutMs = timeoutMs;
            MinPauseMs = minPauseMs;
            MaxConcurrent = maxConcurrent;
            TolerableFailures = tolerableFailures;
            Retained = retained;
            Unaligned = unaligned;
            AlignedTimeoutMs = alignedTimeoutMs;
        }

        public long? IntervalMs { get; }
        public bool ExactlyOnce { get; }
        public long? TimeoutMs { get; }
        public long? MinPauseMs { get; }
        public int? MaxConcurrent { get; }
        public int? TolerableFailures { get; }
        public int? Retained { get; }
        public bool Unaligned { get; }
        public long? AlignedTimeoutMs { get; }
    }

    /// <summary>A broken rule: its diagnostic id, whether it is an error, the setting it concerns, and the message.</summary>
    internal readonly struct CheckpointRuleViolation
    {
        public CheckpointRuleViolation(string id, bool isError, string setting, string message)
        {
            Id = id;
            IsError = isError;
            Setting = setting;
            Message = message;
        }

        public string Id { get; }
        public bool IsError { get; }
        public string Setting { get; }
        public string Message { get; }
    }

    /// <summary>The rules of checkpoint configuration (DESIGN §2) with their ids and message texts.</summary>
    internal static class CheckpointRules
    {
        public const string UnalignedRequiresExactlyOnce = "DSLF1001";
        public const string AlignedTimeoutRequiresUnaligned = "DSLF1002";
        public const string UnalignedRequiresOneConcurrent = "DSLF1003";
        public const string ValueOutOfRange = "DSLF1004";

        public const string UnalignedRequiresExactlyOnceMessage =
            "Unaligned checkpoints require exactly-once mode: in at-least-once mode barriers are never aligned, so Unaligned has no effect. Set Mode = CheckpointingMode.ExactlyOnce or remove Unaligned.";
        public const string AlignedTimeoutRequiresUnalignedMessage =
            "AlignedTimeoutMs only applies to unaligned checkpoints (it is the alignment time after which a checkpoint switches to unaligned). Set Unaligned = true or remove AlignedTimeoutMs.";
        public const string UnalignedRequiresOneConcurrentMessage =
            "Unaligned checkpoints allow only one concurrent checkpoint, but MaxConcurrentCheckpoints is {0}. Set MaxConcurrentCheckpoints = 1.";
        public const string ValueOutOfRangeMessage = "{0} is {1}, but it {2}. {3}";
        public const string IntervalNotSetMessage =
            "IntervalMs is not set, and checkpoints have no default interval. Set it to the time between two checkpoints in milliseconds, for example [Checkpointing(IntervalMs = 1000)].";

        public static List<CheckpointRuleViolation> Check(CheckpointSettings s)
        {
            var found = new List<CheckpointRuleViolation>();
            if (s.IntervalMs is null)
            {
                found.Add(new CheckpointRuleViolation(ValueOutOfRange, true, "IntervalMs", IntervalNotSetMessage));
            }
            Range(found, "IntervalMs", s.IntervalMs, s.IntervalMs is null || s.IntervalMs > 0, "must be greater than 0", "Use the time between two checkpoints, for example 1000.");
            Range(found, "TimeoutMs", s.TimeoutMs, s.TimeoutMs is null || s.TimeoutMs > 0, "must be greater than 0", "The default is 600000 (10 minutes).");
            Range(found, "MinPauseMs", s.MinPauseMs, s.MinPauseMs is null || s.MinPauseMs >= 0, "must not be negative", "Use 0 for no pause.");
            Range(found, "AlignedTimeoutMs", s.AlignedTimeoutMs, s.AlignedTimeoutMs is null || s.AlignedTimeoutMs >= 0, "must not be negative", "Use 0 for always unaligned.");
            Range(found, "TolerableFailedCheckpoints", s.TolerableFailures, s.TolerableFailures is null || s.TolerableFailures >= 0, "must not be negative", "Use 0 to fail over on the first failed checkpoint.");
            Range(found, "MaxConcurrentCheckpoints", s.MaxConcurrent, s.MaxConcurrent is null || s.MaxConcurrent >= 1, "must be at least 1", "The default is 1.");
            Range(found, "RetainedCheckpoints", s.Retained, s.Retained is null || s.Retained >= 1, "must be at least 1", "The default is 1.");
            if (s.Unaligned && !s.ExactlyOnce)
            {
                found.Add(new CheckpointRuleViolation(UnalignedRequiresExactlyOnce, false, "Unaligned", UnalignedRequiresExactlyOnceMessage));
            }
            if (s.AlignedTimeoutMs is not null && !s.Unaligned)
            {
                found.Add(new CheckpointRuleViolation(AlignedTimeoutRequiresUnaligned, false, "AlignedTimeoutMs", AlignedTimeoutRequiresUnalignedMessage));
            }
            if (s.Unaligned && s.MaxConcurrent is > 1)
            {
                found.Add(new CheckpointRuleViolation(UnalignedRequiresOneConcurrent, true, "MaxConcurrentCheckpoints",
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, UnalignedRequiresOneConcurrentMessage, s.MaxConcurrent)));
            }
            return found;
        }

        private static void Range(List<CheckpointRuleViolation> found, string setting, long? value, bool valid, string rule, string fix)
        {
            if (!valid)
            {
                found.Add(new CheckpointRuleViolation(ValueOutOfRange, true, setting,
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, ValueOutOfRangeMessage, setting, value, rule, fix)));
            }
        }
    }
}
