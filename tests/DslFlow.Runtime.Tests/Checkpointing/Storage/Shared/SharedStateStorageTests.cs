using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage.Shared;

/// <summary>
/// Shared files through <see cref="LocalCheckpointStorage"/>: layout and framing, reuse by later checkpoints, and when
/// retention, abort, subsumption, discard and the clean-up at start delete them.
/// </summary>
public class SharedStateStorageTests : StorageFixture
{
    private string SharedFolder => Path.Combine(CheckpointDirectory, "shared");

    private IEnumerable<string> SharedFiles() =>
        Directory.Exists(SharedFolder)
            ? Directory.EnumerateFiles(SharedFolder).Select(f => "shared/" + Path.GetFileName(f)).Order(StringComparer.Ordinal)
            : [];

    private static IEnumerable<string> Paths(params StateHandle[] handles) =>
        handles.Select(h => h.RelativePath).Order(StringComparer.Ordinal);

    private static Task CompleteAsync(ICheckpointStorageCoordinatorView storage, long id, params StateHandle[] handles) =>
        storage.CompleteCheckpointAsync(new CheckpointMetadata(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = handles }));

    /// <summary>Writes a fresh shared file for checkpoint <paramref name="id"/> and completes it listing that file and <paramref name="reused"/>.</summary>
    private static async Task<StateHandle> CompleteWithNewFileAsync(ICheckpointStorage storage, long id, params StateHandle[] reused)
    {
        StateHandle fresh = await storage.WriteSharedStateAsync(id, "base", Payload(id, 0));
        await CompleteAsync(storage, id, [.. reused, fresh]);
        return fresh;
    }

    [Fact]
    public async Task A_shared_file_is_framed_like_a_state_file_and_named_uniquely_by_the_storage()
    {
        var storage = NewStorage();
        StateHandle first = await storage.WriteSharedStateAsync(1, "counter-0-sst", Payload(1, 0));
        StateHandle second = await storage.WriteSharedStateAsync(1, "counter-0-sst", Payload(1, 1));
        StateHandle streamed;
        await using (CheckpointStateOutputStream writer = storage.OpenSharedStateWriter(1, "counter-1-sst"))
        {
            await writer.WriteAsync(Payload(1, 2));
            streamed = await writer.CloseAndGetHandleAsync();
        }

        Assert.Matches("^shared/counter-0-sst-[0-9a-f]{32}$", first.RelativePath);
        Assert.NotEqual(first.RelativePath, second.RelativePath);
        Assert.Equal(1, first.CheckpointId);
        Assert.Equal(Payload(1, 0).Length, first.Length);
        Assert.Equal(8 + Payload(1, 0).Length + 12, new FileInfo(PathOf(first.RelativePath)).Length);
        Assert.Equal("DFST"u8.ToArray(), File.ReadAllBytes(PathOf(first.RelativePath))[..4]);
        Assert.Equal(Payload(1, 2), await storage.ReadStateAsync(streamed));
        Assert.Equal(Paths(first, second, streamed), SharedFiles());
        Assert.DoesNotContain(Directory.EnumerateFiles(SharedFolder), f => Path.GetFileName(f).StartsWith('.')); // no temporaries left
    }

    [Fact]
    public async Task A_claimed_file_outlives_the_retirement_of_every_checkpoint_listing_it_until_the_claiming_checkpoint_ends()
    {
        // A task that has not heard of checkpoint 2's completion reuses checkpoint 1's file for checkpoint 3; checkpoint
        // 2 (which wrote the state anew) completes and retires 1. The claim keeps the file for 3.
        var storage = NewStorage(retained: 1);
        StateHandle reused = await CompleteWithNewFileAsync(storage, 1);
        Assert.True(storage.TryReuseSharedState(3, reused));
        await CompleteWithNewFileAsync(storage, 2);
        Assert.True(File.Exists(PathOf(reused.RelativePath)), "checkpoint 3 claimed the file");
        await CompleteAsync(storage, 3, reused);
        Assert.NotNull(await storage.LoadLatestAsync());
        await CompleteWithNewFileAsync(storage, 4);
        Assert.False(File.Exists(PathOf(reused.RelativePath)), "checkpoint 3 retired: nothing uses the file any more");
        Assert.False(storage.TryReuseSharedState(5, reused)); // deleted: the caller writes the state anew
    }

    [Fact]
    public async Task A_claim_of_an_aborted_checkpoint_ends_with_it()
    {
        var storage = NewStorage(retained: 1);
        StateHandle reused = await CompleteWithNewFileAsync(storage, 1);
        Assert.True(storage.TryReuseSharedState(2, reused));
        storage.AbortCheckpoint(2);
        await CompleteWithNewFileAsync(storage, 3);
        Assert.False(File.Exists(PathOf(reused.RelativePath)));
        Assert.Throws<InvalidOperationException>(() => storage.TryReuseSharedState(2, reused)); // checkpoint 2 takes no state any more
    }

    [Fact]
    public async Task Shared_files_reused_by_three_checkpoints_with_retention_2_are_deleted_only_when_no_retained_one_lists_them()
    {
        var storage = NewStorage(retained: 2);
        StateHandle base1 = await storage.WriteSharedStateAsync(1, "base", Payload(1, 0));
        StateHandle delta1 = await storage.WriteSharedStateAsync(1, "delta", Payload(1, 1));
        await CompleteAsync(storage, 1, base1, delta1);
        StateHandle delta2 = await storage.WriteSharedStateAsync(2, "delta", Payload(2, 1));
        await CompleteAsync(storage, 2, base1, delta2);
        Assert.Equal(Paths(base1, delta1, delta2), SharedFiles());

        StateHandle delta3 = await storage.WriteSharedStateAsync(3, "delta", Payload(3, 1));
        await CompleteAsync(storage, 3, base1, delta3);

        Assert.Equal([2, 3], storage.ListCompletedCheckpoints());
        Assert.Equal(Paths(base1, delta2, delta3), SharedFiles()); // delta1: only chk-1 used it
        foreach (long id in storage.ListCompletedCheckpoints())
        {
            Assert.NotNull(await NewStorage(retained: 2).LoadCheckpointAsync(id));
        }
        Assert.Equal(Payload(1, 0), await storage.ReadStateAsync((await storage.LoadLatestAsync())!.AllHandles.First()));
    }

    [Fact]
    public async Task Aborting_a_checkpoint_deletes_only_its_own_files_that_no_completed_checkpoint_lists()
    {
        var storage = NewStorage(retained: 2);
        StateHandle kept = await CompleteWithNewFileAsync(storage, 1);
        StateHandle mine = await storage.WriteSharedStateAsync(2, "delta", Payload(2, 0));
        StateHandle other = await storage.WriteSharedStateAsync(3, "delta", Payload(3, 0)); // a concurrent checkpoint

        storage.AbortCheckpoint(2);

        Assert.Equal(Paths(kept, other), SharedFiles());
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.WriteSharedStateAsync(2, "late", Payload(2, 1)));
        Assert.Contains("Checkpoint 2 no longer accepts state: it was aborted", refused.Message);
        await CompleteAsync(storage, 3, kept, other);
        Assert.Equal(Paths(kept, other), SharedFiles());
    }

    [Fact]
    public async Task A_subsumed_checkpoint_and_unlisted_files_of_the_completed_one_lose_their_pending_shared_files()
    {
        var storage = NewStorage(retained: 2);
        StateHandle subsumed = await storage.WriteSharedStateAsync(1, "base", Payload(1, 0));
        StateHandle listed = await storage.WriteSharedStateAsync(2, "base", Payload(2, 0));
        StateHandle unlisted = await storage.WriteSharedStateAsync(2, "spare", Payload(2, 1));
        StateHandle newer = await storage.WriteSharedStateAsync(3, "base", Payload(3, 0));

        await CompleteAsync(storage, 2, listed);

        Assert.Equal(Paths(listed, newer), SharedFiles());
        Assert.DoesNotContain(subsumed.RelativePath, SharedFiles());
        Assert.DoesNotContain(unlisted.RelativePath, SharedFiles());
    }

    [Fact]
    public async Task Completion_refuses_a_shared_handle_whose_file_retention_already_deleted()
    {
        var storage = NewStorage(retained: 1);
        StateHandle old = await CompleteWithNewFileAsync(storage, 1);
        StateHandle fresh = await CompleteWithNewFileAsync(storage, 2); // retires 1, and with it the file only 1 used

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => CompleteAsync(storage, 3, old, fresh));

        Assert.Contains($"Checkpoint 3 cannot complete: the shared state handle {old} of counter", ex.Message);
        Assert.Contains("(written for checkpoint 1) does not exist", ex.Message);
        Assert.Contains("reuse only files listed by a retained completed checkpoint", ex.Message);
        Assert.Equal([2], storage.ListCompletedCheckpoints());
        Assert.Equal([fresh.RelativePath], SharedFiles());
    }

    [Theory]
    [InlineData("shared/../chk-1/_metadata")]
    [InlineData("shared/../../outside")]
    [InlineData("shared/a/b")]
    [InlineData("shared/.hidden")]
    [InlineData("shared/")]
    public async Task Shared_paths_that_could_leave_the_shared_area_are_refused(string path)
    {
        var storage = NewStorage();
        await WriteCheckpointAsync(storage, 1);
        var forged = new StateHandle(1, path, 10, 0);

        var complete = await Assert.ThrowsAsync<ArgumentException>(() => CompleteAsync(storage, 2, forged));
        var read = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => storage.ReadStateAsync(forged));

        Assert.Contains("nor in 'shared/'", complete.Message);
        Assert.Contains("is not a state file path", read.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public async Task Shared_names_that_are_not_plain_file_names_are_refused(string name)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => NewStorage().WriteSharedStateAsync(1, name, Payload(1, 0)));
        Assert.Contains($"The shared state name '{name}' for checkpoint 1 is not a plain file name", ex.Message);
        Assert.Throws<ArgumentException>(() => NewStorage().OpenSharedStateWriter(1, new string('a', 168)));
    }

    [Fact]
    public async Task A_shared_handle_naming_a_later_creating_checkpoint_is_refused()
    {
        var storage = NewStorage();
        StateHandle handle = await storage.WriteSharedStateAsync(5, "base", Payload(5, 0));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => CompleteAsync(storage, 4, handle));

        Assert.Contains("names checkpoint 5 as its creator", ex.Message);
    }

    [Fact]
    public async Task The_clean_up_at_start_rebuilds_the_registry_and_deletes_orphans_and_temporary_files()
    {
        var storage = NewStorage(retained: 2);
        StateHandle used = await CompleteWithNewFileAsync(storage, 1);
        StateHandle orphan = await storage.WriteSharedStateAsync(2, "delta", Payload(2, 0)); // the process stops here
        File.WriteAllBytes(Path.Combine(SharedFolder, ".x-0123.inprogress"), [1, 2]);
        File.WriteAllBytes(Path.Combine(SharedFolder, "not written by the storage"), [1, 2]);

        var restarted = NewStorage(retained: 2);
        int removed = restarted.CleanUpPartial();

        Assert.Equal(2, removed);
        Assert.Equal([used.RelativePath, "shared/not written by the storage"], SharedFiles());
        Assert.DoesNotContain(orphan.RelativePath, SharedFiles());
        // The rebuilt registry knows checkpoint 1 uses the file: checkpoint 3 reuses it, and it survives retiring 1 ...
        StateHandle delta = await restarted.WriteSharedStateAsync(3, "delta", Payload(3, 0));
        await CompleteAsync(restarted, 3, used, delta);
        await CompleteAsync(restarted, 4, delta);
        Assert.Equal([3, 4], restarted.ListCompletedCheckpoints());
        Assert.Contains(used.RelativePath, SharedFiles());
        // ... and once no retained checkpoint lists it, it goes.
        await CompleteAsync(restarted, 5, delta);
        Assert.Equal(Paths(delta), SharedFiles().Where(p => p.StartsWith("shared/base") || p.StartsWith("shared/delta")));
    }

    [Fact]
    public async Task While_a_completed_checkpoint_has_unreadable_metadata_no_unreferenced_shared_file_is_deleted()
    {
        var storage = NewStorage(retained: 2);
        StateHandle first = await CompleteWithNewFileAsync(storage, 1);
        StateHandle second = await CompleteWithNewFileAsync(storage, 2);
        FlipByte(MetadataPath(2), 20); // checkpoint 2's metadata no longer decodes: which files it lists is unknown

        var restarted = NewStorage(retained: 2);
        restarted.CleanUpPartial();

        Assert.Equal(Paths(first, second), SharedFiles());
        Assert.Contains(Logger.Warnings, w => w.Contains("Keeping 1 shared files") && w.Contains("checkpoints 2 cannot be read"));
        // Retention retires 1 and the damaged 2; then nothing unreadable is left and the unused files go.
        StateHandle third = await CompleteWithNewFileAsync(restarted, 3);
        await CompleteAsync(restarted, 4, third);
        Assert.Equal([3, 4], restarted.ListCompletedCheckpoints());
        restarted.CleanUpPartial();
        Assert.Equal([third.RelativePath], SharedFiles());
    }

    [Fact]
    public async Task Discarding_all_checkpoints_removes_the_shared_area_too()
    {
        var storage = NewStorage(retained: 2);
        StateHandle shared = await CompleteWithNewFileAsync(storage, 1);
        await CompleteAsync(storage, 2, shared);
        await storage.WriteSharedStateAsync(3, "delta", Payload(3, 0));

        Assert.Equal(2, storage.DiscardAll());

        Assert.False(Directory.Exists(SharedFolder));
        Assert.Empty(Directory.EnumerateFileSystemEntries(CheckpointDirectory));
    }

    [Fact]
    public async Task The_subtask_side_sees_only_the_worker_view_and_the_coordinator_only_the_coordinator_view()
    {
        ICheckpointStorageWorkerView worker = NewStorage();
        ICheckpointStorageCoordinatorView coordinator = NewStorage();
        StateHandle handle = await worker.WriteSharedStateAsync(1, "base", Payload(1, 0));

        await CompleteAsync(coordinator, 1, handle);

        Assert.Equal(Payload(1, 0), await worker.ReadStateAsync((await coordinator.LoadLatestAsync())!.AllHandles.Single()));
        Assert.DoesNotContain(typeof(ICheckpointStorageWorkerView).GetMethods(), m => m.Name.Contains("Complete") || m.Name.Contains("Discard"));
        Assert.Equal(typeof(ICheckpointStorageWorkerView), typeof(TaskCheckpointing).GetProperty(nameof(TaskCheckpointing.Storage))!.PropertyType);
    }
}
