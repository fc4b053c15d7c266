using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Barriers;

/// <summary>
/// A fake of what a <see cref="CheckpointBarrierHandler"/> drives: every call is logged as a short line ("block 0",
/// "snapshot 1 aligned", "record 2 @7", …) so tests drive the handler event by event, synchronously, and compare logs.
/// The clock is the test's; scheduled timeouts are listed for the test to fire.
/// </summary>
internal sealed class RecordingBarrierActions : IBarrierHandlerActions
{
    public List<string> Log { get; } = [];

    /// <summary>Checkpoints whose snapshot the (fake) subtask coordinator refuses, as for an aborted one.</summary>
    public HashSet<long> RefusedSnapshots { get; } = [];

    /// <summary>Timeouts the handler asked for: checkpoint and delay.</summary>
    public List<(long Id, TimeSpan Delay)> Timeouts { get; } = [];

    public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000);

    /// <summary>Lines logged since the last call, then forgets them (for step-by-step assertions).</summary>
    public List<string> Take()
    {
        List<string> taken = [.. Log];
        Log.Clear();
        return taken;
    }

    public void Block(int channel) => Log.Add($"block {channel}");

    public void Unblock(int channel) => Log.Add($"unblock {channel}");

    public void PromoteBarriers(long checkpointId) => Log.Add($"promote {checkpointId}");

    public void AlignmentStarted(long checkpointId)
    {
    }

    public void SnapshotAligned(CheckpointBarrier barrier, TimeSpan alignment) => Log.Add($"snapshot {barrier.CheckpointId} aligned");

    public bool SnapshotUnaligned(CheckpointBarrier barrier, TimeSpan alignment)
    {
        if (RefusedSnapshots.Contains(barrier.CheckpointId))
        {
            Log.Add($"snapshot {barrier.CheckpointId} refused");
            return false;
        }
        Log.Add($"snapshot {barrier.CheckpointId} unaligned");
        return true;
    }

    public void RecordChannel(int channel, long sequence) => Log.Add($"record {channel} @{sequence}");

    public void CompleteChannel(int channel) => Log.Add($"complete {channel}");

    public void AcknowledgeChannelState(long checkpointId) => Log.Add($"acknowledge {checkpointId} with channel state");

    public void DropChannelState(long checkpointId) => Log.Add($"drop {checkpointId}");

    public void SendCancelMarker(long checkpointId) => Log.Add($"cancel marker {checkpointId}");

    public void Decline(long checkpointId, string reason) => Log.Add($"decline {checkpointId}: {reason}");

    public void ScheduleAlignedTimeout(long checkpointId, TimeSpan delay)
    {
        Log.Add($"timer {checkpointId} in {delay.TotalMilliseconds} ms");
        Timeouts.Add((checkpointId, delay));
    }
}
