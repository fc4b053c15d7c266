namespace DslFlow.Channels;

/// <summary>A task that channels wake when input arrives, credit returns, or a priority event comes in.</summary>
internal interface IWakeable
{
    /// <summary>There is new work (input, or output credit).</summary>
    void Wake();

    /// <summary>A priority event arrived: stop between records and look at it.</summary>
    void WakeForPriority();
}
