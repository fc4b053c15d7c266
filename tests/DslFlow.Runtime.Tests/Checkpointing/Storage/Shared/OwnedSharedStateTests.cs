using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage.Shared;

/// <summary>
/// Shared files a task owns until a completed checkpoint lists them (a changelog's log files, written ahead of any
/// checkpoint): aborts and subsumption leave them alone, the task's release deletes them while unlisted, retention
/// decides once they are listed, and the clean-up at start removes what a crash left.
/// </summary>
public class OwnedSharedStateTests : StorageFixture
{
    private string SharedFolder => Path.Combine(CheckpointDirectory, "shared");

    private bool Exists(StateHandle handle) => File.Exists(PathOf(handle.RelativePath));

    private static Task CompleteAsync(ICheckpointStorageCoordinatorView storage, long id, params StateHandle[] handles) =>
        storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = handles }));

    private static async Task<StateHandle> WriteOwnedAsync(ICheckpointStorageWorkerView storage, byte[] payload)
    {
        await using CheckpointStateOutputStream writer = storage.OpenOwnedSharedStateWriter("changelog");
        await writer.WriteAsync(payload);
        return await writer.CloseAndGetHandleAsync();
    }

    [Fact]
    public async Task An_owned_file_names_the_checkpoint_after_the_newest_completed_one_and_survives_aborts_and_subsumption()
    {
        var storage = NewStorage(retained: 2);
        StateHandle first = await WriteOwnedAsync(storage, Payload(1, 0));
        Assert.Equal(1, first.CheckpointId);
        Assert.Matches("^shared/changelog-[0-9a-f]{32}$", first.RelativePath);

        await storage.WriteStateAsync(1, "counter-0.state", Payload(1, 1));
        storage.AbortCheckpoint(1);
        StateHandle plain = await storage.WriteSharedStateAsync(2, "base", Payload(2, 0));
        await CompleteAsync(storage, 2, plain); // subsumes everything before 2 and ends every pending file of 1
        StateHandle second = await WriteOwnedAsync(storage, Payload(3, 0));

        Assert.True(Exists(first), "an abort or a subsumption must not delete a file its task still owns");
        Assert.Equal(3, second.CheckpointId);
        Assert.Equal(Payload(1, 0), await storage.ReadStateAsync(first));
    }

    [Fact]
    public async Task Releasing_an_unlisted_owned_file_deletes_it_and_releasing_again_does_nothing()
    {
        var storage = NewStorage();
        StateHandle owned = await WriteOwnedAsync(storage, Payload(1, 0));

        storage.ReleaseOwnedSharedState(owned);
        storage.ReleaseOwnedSharedState(owned);

        Assert.False(Exists(owned));
        Assert.Empty(Directory.EnumerateFiles(SharedFolder));
    }

    [Fact]
    public async Task Once_a_completed_checkpoint_lists_an_owned_file_only_retention_deletes_it()
    {
        var storage = NewStorage(retained: 1);
        StateHandle owned = await WriteOwnedAsync(storage, Payload(1, 0));
        await CompleteAsync(storage, 1, owned);

        storage.ReleaseOwnedSharedState(owned);
        Assert.True(Exists(owned), "checkpoint 1 lists it: the task's release must not delete it");

        await CompleteAsync(storage, 2, owned); // still listed by the newest checkpoint
        Assert.True(Exists(owned));
        StateHandle next = await WriteOwnedAsync(storage, Payload(3, 0));
        await CompleteAsync(storage, 3, next); // retires 2, the last checkpoint listing it
        Assert.False(Exists(owned));
        Assert.True(Exists(next));
    }

    [Fact]
    public async Task An_owned_file_released_while_a_checkpoint_listing_it_completes_goes_only_if_that_completion_fails()
    {
        var storage = NewStorage();
        StateHandle owned = await WriteOwnedAsync(storage, Payload(1, 0));
        var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // The completion holds the file, then gives up (cancelled before the metadata is written).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => storage.CompleteCheckpointAsync(
            new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
                new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = [owned] }),
            cancelled.Token));
        Assert.True(Exists(owned), "a failed completion leaves an owned file to its task");

        storage.ReleaseOwnedSharedState(owned);
        Assert.False(Exists(owned));
    }

    [Fact]
    public async Task The_clean_up_at_start_removes_owned_files_no_completed_checkpoint_lists()
    {
        var storage = NewStorage();
        StateHandle listed = await WriteOwnedAsync(storage, Payload(1, 0));
        StateHandle crashed = await WriteOwnedAsync(storage, Payload(1, 1)); // written, then the process died
        await CompleteAsync(storage, 1, listed);

        NewStorage().CleanUpPartial();

        Assert.True(Exists(listed));
        Assert.False(Exists(crashed));
    }

    [Fact]
    public void Releasing_a_handle_outside_the_shared_area_is_refused()
    {
        var storage = NewStorage();
        var ex = Assert.Throws<ArgumentException>(() =>
            storage.ReleaseOwnedSharedState(new StateHandle(1, "chk-1/counter-0.state", 4, 0)));
        Assert.Contains("is not a shared state file", ex.Message);
    }
}
