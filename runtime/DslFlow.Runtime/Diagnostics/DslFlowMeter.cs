using System.Diagnostics.Metrics;

namespace DslFlow.Diagnostics;

/// <summary>
/// The one <c>DslFlow</c> meter every instrument is created on, outside execution and checkpointing so both can record
/// on it without depending on each other (listeners select instruments by this meter's name).
/// </summary>
internal static class DslFlowMeter
{
    public const string Name = "DslFlow";

    public static Meter Meter { get; } = new(Name, "0.1.0");
}
