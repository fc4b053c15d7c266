using DslFlow.Channels;

namespace DslFlow.Checkpointing;

/// <summary>One input channel's recorded buffers in a checkpoint, with where the channel came from.</summary>
internal sealed record RecordedChannel<T>(InputChannelInfo Channel, List<T[]> Buffers);

/// <summary>One old subtask's channel state, as a restore finds it in a checkpoint.</summary>
internal readonly record struct ChannelStatePart(int Subtask, int Parallelism, byte[] Bytes);

/// <summary>
/// Decides which recorded in-flight buffers a restoring subtask replays, and into which of its channels (Flink's
/// rescaling of unaligned checkpoints, simplified). With the task's parallelism unchanged, a subtask replays its own
/// channel state; an upstream whose parallelism changed maps old upstream subtask <c>u</c> to channel
/// <c>u mod n</c> of the same edge. With the task's parallelism changed, every subtask reads every old subtask's state:
/// records of keyed (hash) edges are kept by the subtask that owns their key group now, records of other edges go to
/// subtask <c>old index mod p</c>. Buffers keep their order within each old channel, and old subtasks are visited in
/// index order, so the records of one old channel are replayed in the order they were sent. Forward and broadcast
/// channels hold no channel state (their barriers stay aligned), so they never need splitting.
/// </summary>
internal static class ChannelStateRedistribution
{
    /// <summary>
    /// The buffers to replay at subtask <paramref name="subtask"/> of <paramref name="parallelism"/>, per channel of its
    /// input (<paramref name="layout"/>).
    /// </summary>
    /// <param name="parts">Every old subtask's channel state of the task.</param>
    /// <param name="subtask">The restoring subtask's index.</param>
    /// <param name="parallelism">The task's parallelism now.</param>
    /// <param name="layout">The restoring subtask's input channels, in gate order.</param>
    /// <param name="decode">Decodes one old subtask's bytes.</param>
    /// <param name="keyGroupOf">The key group of a record at this task's keyed head; -1 when the head is not keyed (the record then goes by old subtask index).</param>
    /// <param name="owned">The key groups this subtask owns.</param>
    /// <param name="task">The task's name, for error messages.</param>
    /// <exception cref="JobConfigurationException">The state holds records of an edge the task no longer reads, or reads with another partitioning.</exception>
    public static List<T[]>[] Assign<T>(IReadOnlyList<ChannelStatePart> parts, int subtask, int parallelism,
        IReadOnlyList<InputChannelInfo> layout, Func<byte[], List<RecordedChannel<T>>> decode, Func<T, int> keyGroupOf,
        KeyGroupRange owned, string task)
    {
        var result = new List<T[]>[layout.Count];
        for (int c = 0; c < result.Length; c++)
        {
            result[c] = [];
        }
        bool rescaled = parts.Any(p => p.Parallelism != parallelism);
        foreach (ChannelStatePart part in parts.OrderBy(p => p.Subtask))
        {
            if (!rescaled && part.Subtask != subtask)
            {
                continue; // same parallelism: each subtask replays exactly its own channels
            }
            foreach (RecordedChannel<T> recorded in decode(part.Bytes))
            {
                if (recorded.Buffers.Count == 0)
                {
                    continue;
                }
                int target = TargetChannel(layout, recorded.Channel, task);
                bool keyed = recorded.Channel.Partitioning == EdgePartitioning.Hash;
                if (!rescaled || !keyed)
                {
                    if (!rescaled || part.Subtask % parallelism == subtask)
                    {
                        result[target].AddRange(recorded.Buffers);
                    }
                    continue;
                }
                bool byIndex = part.Subtask % parallelism == subtask;
                foreach (T[] buffer in recorded.Buffers)
                {
                    T[] mine = Array.FindAll(buffer, r => keyGroupOf(r) is int g && (g < 0 ? byIndex : owned.Contains(g)));
                    if (mine.Length > 0)
                    {
                        result[target].Add(mine);
                    }
                }
            }
        }
        return result;
    }

    /// <summary>The channel of the new layout that replays an old channel: same edge, old upstream subtask modulo the new count.</summary>
    private static int TargetChannel(IReadOnlyList<InputChannelInfo> layout, InputChannelInfo old, string task)
    {
        int first = -1, count = 0;
        for (int c = 0; c < layout.Count; c++)
        {
            if (layout[c].From == old.From)
            {
                first = first < 0 ? c : first;
                count++;
            }
        }
        // Forward and rebalance edges swap with the parallelism (both replay by old index); keyed ones must stay keyed.
        if (first < 0 || (layout[first].Partitioning == EdgePartitioning.Hash) != (old.Partitioning == EdgePartitioning.Hash))
        {
            string change = first < 0 ? $"'{task}' no longer reads from '{old.From}'"
                : $"the edge from '{old.From}' is now partitioned {layout[first].Partitioning}, not {old.Partitioning}";
            throw new JobConfigurationException($"The checkpoint holds in-flight records that node '{old.From}' sent to task "
                + $"'{task}' (an unaligned checkpoint), but {change}: those records would be lost. Restore with the pipeline that "
                + "wrote the checkpoint and take an aligned checkpoint (checkpoints without Unaligned) before changing the "
                + "graph, or start fresh (CheckpointingOptions.StartFresh = true).");
        }
        return first + (old.UpstreamSubtask % count);
    }
}
