using System.Collections.Concurrent;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>
/// The coordinator's side of one hand-wired subtask: records its acknowledgements, declines and end of input, and
/// gives it a real local checkpoint storage in a temporary directory.
/// </summary>
internal sealed class RecordingResponder : ICheckpointResponder, IDisposable
{
    private readonly TempCheckpointDirectory _directory = new();

    public RecordingResponder() => Storage = new LocalCheckpointStorage(_directory.Path);

    public LocalCheckpointStorage Storage { get; }

    /// <summary>Called on the acknowledging thread once the acknowledgement is recorded.</summary>
    public Action? OnAcknowledged { get; set; }

    public ConcurrentQueue<(long Id, SubtaskCheckpointStats Stats)> Acknowledged { get; } = new();

    public ConcurrentQueue<(long Id, string Reason)> Declined { get; } = new();

    /// <summary>Set once the subtask reported that its input ended.</summary>
    public ManualResetEventSlim InputEnded { get; } = new();

    /// <summary>What a subtask takes checkpoints with when it answers this responder.</summary>
    public TaskCheckpointing For(CheckpointAlignment alignment) => new(alignment, this, Storage);

    public void Acknowledge(long checkpointId, IReadOnlyList<StateHandle> state, SubtaskCheckpointStats stats)
    {
        Acknowledged.Enqueue((checkpointId, stats));
        OnAcknowledged?.Invoke();
    }

    public void Decline(long checkpointId, string reason, CheckpointFailureCategory category, SubtaskCheckpointStats? stats) =>
        Declined.Enqueue((checkpointId, reason));

    public void ReportInputEnded() => InputEnded.Set();

    public void Dispose()
    {
        InputEnded.Dispose();
        _directory.Dispose();
    }
}
