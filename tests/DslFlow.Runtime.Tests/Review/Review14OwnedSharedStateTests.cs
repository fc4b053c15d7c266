using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing.Storage;

namespace DslFlow.Runtime.Tests.Review;

/// <summary>Review 14: owned shared files whose commit fails after the rename.</summary>
public class Review14OwnedSharedStateTests : StorageFixture
{
    private string SharedFolder => Path.Combine(CheckpointDirectory, "shared");

    private static Task CompleteAsync(ICheckpointStorageCoordinatorView storage, long id, params StateHandle[] handles) =>
        storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = handles }));

    /// <summary>
    /// The folder sync after an owned file's rename fails: CloseAndGetHandleAsync throws, so the task never gets a
    /// handle to release, yet the file stays registered as an owned pending file. Nothing in the running job ever
    /// removes it (aborts and completions skip owned files); CommitSharedFile's comment says "its task's release" does.
    /// </summary>
    [Fact]
    public async Task An_owned_file_whose_commit_failed_after_the_rename_is_removed_while_the_job_runs()
    {
        var storage = NewStorage();
        int failures = 1;
        storage.FaultInjector = (operation, _) =>
        {
            if (operation == "shared.sync" && failures-- > 0)
            {
                throw new IOException("injected: fsync failed");
            }
        };
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await using CheckpointStateOutputStream writer = storage.OpenOwnedSharedStateWriter("changelog");
            await writer.WriteAsync(Payload(1, 0));
            await writer.CloseAndGetHandleAsync();
        });

        // The job goes on: the task writes the changes again into a new file, checkpoints complete and abort.
        await using (CheckpointStateOutputStream writer = storage.OpenOwnedSharedStateWriter("changelog"))
        {
            await writer.WriteAsync(Payload(1, 0));
            StateHandle again = await writer.CloseAndGetHandleAsync();
            await CompleteAsync(storage, 1, again);
        }
        await storage.WriteStateAsync(2, "counter-0.state", Payload(2, 0));
        storage.AbortCheckpoint(2);
        await CompleteAsync(storage, 3);
        await CompleteAsync(storage, 4);

        string[] files = [.. Directory.EnumerateFiles(SharedFolder).Where(f => !Path.GetFileName(f).StartsWith('.'))];
        Assert.True(files.Length == 0, $"shared files left that no checkpoint lists and no one can release: {string.Join(", ", files)}");
    }
}
