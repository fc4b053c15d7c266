using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

/// <summary>
/// A fresh temporary checkpoint directory per test (deleted afterwards), a capturing logger, and helpers that write
/// checkpoints the way tasks and the coordinator will: state files through the storage, then the metadata.
/// </summary>
public abstract class StorageFixture : IDisposable
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected StorageFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "dslflow-storage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        CheckpointDirectory = Path.Combine(Root, "checkpoints");
    }

    /// <summary>The temporary directory; the checkpoint directory lies inside it, so escapes would be visible.</summary>
    protected string Root { get; }

    protected string CheckpointDirectory { get; }

    internal ListLogger Logger { get; } = new();

    protected LocalCheckpointStorage NewStorage(int retained = 1) => new(CheckpointDirectory, retained, Logger);

    /// <summary>Deterministic payload for a checkpoint and subtask, so a restored value identifies its origin.</summary>
    protected static byte[] Payload(long checkpointId, int subtask, int length = 1000) =>
        [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + checkpointId * 7 + subtask * 13))];

    /// <summary>Writes one state file per subtask of operator "counter", then completes the checkpoint.</summary>
    protected static async Task<CheckpointMetadata> WriteCheckpointAsync(ICheckpointStorage storage, long id,
        int subtasks = 2)
    {
        var states = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>();
        for (int subtask = 0; subtask < subtasks; subtask++)
        {
            StateHandle handle = await storage.WriteStateAsync(id, $"counter-{subtask}.state", Payload(id, subtask));
            states[new OperatorSubtaskId("counter", subtask)] = [handle];
        }
        var metadata = new CheckpointMetadata(id, Epoch.AddSeconds(id), Epoch.AddSeconds(id).AddMilliseconds(250), states);
        await storage.CompleteCheckpointAsync(metadata);
        return metadata;
    }

    protected string PathOf(string relative) => Path.Combine(CheckpointDirectory, relative.Replace('/', Path.DirectorySeparatorChar));

    protected string MetadataPath(long id) => PathOf($"chk-{id}/_metadata");

    protected static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        int value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    public void Dispose()
    {
        ReleaseResources();
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs before the temporary directory is deleted: close what still writes into it.</summary>
    protected virtual void ReleaseResources()
    {
    }
}
