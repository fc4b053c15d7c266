using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

public class LocalCheckpointStorageTests : StorageFixture
{
    [Fact]
    public async Task A_completed_checkpoint_round_trips_its_metadata_and_state()
    {
        var storage = NewStorage();
        CheckpointMetadata written = await WriteCheckpointAsync(storage, 1, subtasks: 3);

        CheckpointMetadata? loaded = await NewStorage().LoadLatestAsync();

        Assert.NotNull(loaded);
        Assert.Equal(written, loaded);
        Assert.Equal(CheckpointMetadata.CurrentFormatVersion, loaded.FormatVersion);
        Assert.Equal(3, loaded.SubtaskStates.Count);
        foreach (var (subtask, handles) in loaded.SubtaskStates)
        {
            StateHandle handle = Assert.Single(handles);
            Assert.Equal($"chk-1/counter-{subtask.SubtaskIndex}.state", handle.RelativePath);
            Assert.Equal(Payload(1, subtask.SubtaskIndex), await storage.ReadStateAsync(handle));
        }
        Assert.True(File.Exists(MetadataPath(1)));
        Assert.Empty(Logger.Warnings);
    }

    [Fact]
    public async Task State_written_through_the_stream_api_and_an_empty_state_round_trip()
    {
        var storage = NewStorage();
        StateHandle streamed;
        await using (CheckpointStateOutputStream writer = storage.OpenStateWriter(4, "source-0.state"))
        {
            await writer.WriteAsync(Payload(4, 0, 100));
            byte[] second = Payload(4, 1, 50);
            writer.Write(second, 0, second.Length);
            streamed = await writer.CloseAndGetHandleAsync();
        }
        StateHandle empty = await storage.WriteStateAsync(4, "empty.state", ReadOnlyMemory<byte>.Empty);
        StateHandle copied = await storage.WriteStateAsync(4, "copied.state", new MemoryStream(Payload(4, 2, 300_000)));
        var metadata = new CheckpointMetadata(4, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("source", 0)] = [streamed, empty, copied] });
        await storage.CompleteCheckpointAsync(metadata);

        Assert.Equal(metadata, await storage.LoadLatestAsync());
        byte[] expected = [.. Payload(4, 0, 100), .. Payload(4, 1, 50)];
        Assert.Equal(expected, await storage.ReadStateAsync(streamed));
        Assert.Equal(150, streamed.Length);
        Assert.Empty(await storage.ReadStateAsync(empty));
        Assert.Equal(Payload(4, 2, 300_000), await storage.ReadStateAsync(copied));
    }

    [Fact]
    public async Task A_checkpoint_without_metadata_is_not_loaded_because_metadata_is_written_last()
    {
        var storage = NewStorage(retained: 3);
        await WriteCheckpointAsync(storage, 1);
        // Checkpoint 2: every state file written, but the coordinator never completed it.
        await storage.WriteStateAsync(2, "counter-0.state", Payload(2, 0));
        await storage.WriteStateAsync(2, "counter-1.state", Payload(2, 1));

        CheckpointMetadata? loaded = await NewStorage(retained: 3).LoadLatestAsync();

        Assert.Equal(1, loaded?.CheckpointId);
        Assert.Equal([1L], storage.ListCompletedCheckpoints());
        string warning = Assert.Single(Logger.Warnings);
        Assert.Contains("checkpoint 2", warning);
        Assert.Contains("no _metadata", warning);
        Assert.Contains("Restoring from checkpoint 1 instead", warning);
    }

    [Fact]
    public async Task A_metadata_temp_file_left_by_a_crash_before_the_rename_is_not_a_completed_checkpoint()
    {
        var storage = NewStorage(retained: 3);
        await WriteCheckpointAsync(storage, 1);
        CheckpointMetadata second = await WriteCheckpointAsync(storage, 2);
        // Simulate a crash between writing the temp file and renaming it: move _metadata back to its temp name.
        File.Move(MetadataPath(2), PathOf("chk-2/_metadata.inprogress"));

        Assert.Equal([1L], storage.ListCompletedCheckpoints());
        Assert.Equal(1, (await NewStorage(retained: 3).LoadLatestAsync())?.CheckpointId);
        Assert.NotEqual(second.CheckpointId, (await storage.LoadLatestAsync())?.CheckpointId);
    }

    [Fact]
    public async Task Completion_leaves_no_temp_file_and_a_repeated_completion_is_refused()
    {
        var storage = NewStorage();
        CheckpointMetadata metadata = await WriteCheckpointAsync(storage, 1);

        Assert.Equal(["_metadata", "counter-0.state", "counter-1.state"],
            Directory.EnumerateFiles(PathOf("chk-1")).Select(Path.GetFileName).Order());
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => storage.CompleteCheckpointAsync(metadata));
        Assert.Contains("Checkpoint 1 is already completed", e.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Only_the_last_n_completed_checkpoints_are_retained(int retained)
    {
        var storage = NewStorage(retained);
        for (long id = 1; id <= 5; id++)
        {
            await WriteCheckpointAsync(storage, id);
        }

        long[] expected = [.. Enumerable.Range(6 - retained, retained).Select(i => (long)i)];
        Assert.Equal(expected, storage.ListCompletedCheckpoints());
        Assert.Equal(expected.Select(id => $"chk-{id}"),
            Directory.EnumerateDirectories(CheckpointDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(5, (await storage.LoadLatestAsync())?.CheckpointId);
    }

    [Fact]
    public async Task Aborting_deletes_the_partial_checkpoint_and_refuses_later_state_for_it()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync(3, "counter-0.state", Payload(3, 0));

        Assert.True(storage.AbortCheckpoint(3));

        Assert.False(Directory.Exists(PathOf("chk-3")));
        Assert.False(storage.AbortCheckpoint(3));
        var e = Assert.Throws<InvalidOperationException>(() => storage.OpenStateWriter(3, "counter-1.state"));
        Assert.Contains("Checkpoint 3 no longer accepts state: it was aborted", e.Message);
        Assert.False(Directory.Exists(PathOf("chk-3")));
    }

    [Fact]
    public async Task A_completed_checkpoint_cannot_be_aborted()
    {
        var storage = NewStorage();
        await WriteCheckpointAsync(storage, 1);

        var e = Assert.Throws<InvalidOperationException>(() => storage.AbortCheckpoint(1));
        Assert.Contains("Checkpoint 1 is completed", e.Message);
        Assert.True(File.Exists(MetadataPath(1)));
    }

    [Fact]
    public async Task Cleanup_at_start_removes_partial_directories_and_temp_files_and_nothing_else()
    {
        var storage = NewStorage(retained: 2);
        await WriteCheckpointAsync(storage, 1);
        await WriteCheckpointAsync(storage, 2);
        await storage.WriteStateAsync(3, "counter-0.state", Payload(3, 0));
        File.WriteAllBytes(PathOf("chk-2/_metadata.inprogress"), [1, 2, 3]);
        Directory.CreateDirectory(PathOf("chk-4"));
        Directory.CreateDirectory(PathOf("not-a-checkpoint"));
        Directory.CreateDirectory(PathOf("chk-007"));
        File.WriteAllText(PathOf("user-notes.txt"), "keep me");

        int removed = NewStorage(retained: 2).CleanUpPartial();

        Assert.Equal(3, removed);
        Assert.Equal(["chk-007", "chk-1", "chk-2", "not-a-checkpoint"],
            Directory.EnumerateDirectories(CheckpointDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(File.Exists(PathOf("chk-2/_metadata.inprogress")));
        Assert.True(File.Exists(PathOf("user-notes.txt")));
        Assert.Equal(2, (await NewStorage().LoadLatestAsync())?.CheckpointId);
    }

    [Fact]
    public async Task A_completed_checkpoint_subsumes_older_pending_ones()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync(5, "counter-0.state", Payload(5, 0));
        await WriteCheckpointAsync(storage, 6);

        Assert.False(Directory.Exists(PathOf("chk-5")));
        var e = Assert.Throws<InvalidOperationException>(() => storage.OpenStateWriter(5, "counter-1.state"));
        Assert.Contains("subsumed by completed checkpoint 6", e.Message);
    }

    [Fact]
    public async Task A_state_stream_disposed_without_a_handle_leaves_no_file()
    {
        var storage = NewStorage();
        await using (CheckpointStateOutputStream writer = storage.OpenStateWriter(1, "failed.state"))
        {
            writer.Write(Payload(1, 0), 0, 1000);
        }

        Assert.Empty(Directory.EnumerateFiles(PathOf("chk-1")));
    }

    [Fact]
    public async Task No_checkpoint_at_all_loads_null()
    {
        Assert.Null(await NewStorage().LoadLatestAsync());
        Assert.Empty(Logger.Warnings);
    }
}
