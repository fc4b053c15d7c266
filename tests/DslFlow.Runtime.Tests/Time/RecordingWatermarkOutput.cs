using DslFlow.Time;

namespace DslFlow.Runtime.Tests.Time;

/// <summary>What a valve or a source's watermark generator emitted, in order: <c>W(ts)</c>, <c>idle</c>, <c>active</c>.</summary>
internal sealed class RecordingWatermarkOutput : IWatermarkOutput
{
    public List<string> Emitted { get; } = [];

    public void EmitWatermark(long timestamp) => Emitted.Add(timestamp == long.MaxValue ? "W(max)" : $"W({timestamp})");

    public void EmitStatus(bool idle) => Emitted.Add(idle ? "idle" : "active");

    /// <summary>What was emitted since the last call.</summary>
    public string[] Take()
    {
        string[] taken = [.. Emitted];
        Emitted.Clear();
        return taken;
    }
}
