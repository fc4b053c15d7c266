namespace DslFlow.Time;

/// <summary>Where a <see cref="WatermarkValve"/> or a <see cref="SplitWatermarks"/> sends what its inputs decided.</summary>
public interface IWatermarkOutput
{
    /// <summary>Event time advanced to <paramref name="timestamp"/> (always higher than the last one emitted).</summary>
    void EmitWatermark(long timestamp);

    /// <summary>Every input went idle (<paramref name="idle"/> true), or one became active again (false).</summary>
    void EmitStatus(bool idle);
}
