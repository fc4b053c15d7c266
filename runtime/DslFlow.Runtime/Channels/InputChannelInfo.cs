namespace DslFlow.Channels;

/// <summary>
/// Where one input channel of a subtask comes from: the upstream node of its edge, the upstream subtask, and how the
/// edge distributes records at run time (<see cref="EdgePartitioning.Auto"/> here means forward: subtask i to
/// subtask i). Channel state is stored with it, so a restore into another layout (rescaling) knows what each recorded
/// channel carried.
/// </summary>
internal readonly record struct InputChannelInfo(string From, int UpstreamSubtask, EdgePartitioning Partitioning)
{
    /// <summary>
    /// True for forward (pointwise) and broadcast channels, whose barriers stay in order under unaligned checkpoints:
    /// their in-flight records can be processed before the snapshot, so they never become channel state (which could
    /// not be split when the parallelism changes).
    /// </summary>
    public bool StaysAligned => Partitioning is EdgePartitioning.Auto or EdgePartitioning.Broadcast;

    /// <inheritdoc />
    public override string ToString() => $"{From}[{UpstreamSubtask}] ({Partitioning})";
}
