using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

public class CheckpointStorageConcurrencyTests : StorageFixture
{
    [Fact]
    public async Task Many_subtasks_write_one_checkpoint_concurrently()
    {
        var storage = NewStorage();
        const int Subtasks = 20;

        StateHandle[] handles = await Task.WhenAll(Enumerable.Range(0, Subtasks).Select(subtask => Task.Run(
            () => storage.WriteStateAsync(1, $"keyed-{subtask}.state", Payload(1, subtask, 10_000 + subtask)))));
        var metadata = new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            handles.Select((handle, subtask) => (handle, subtask))
                .ToDictionary(x => new OperatorSubtaskId("keyed", x.subtask), x => (IReadOnlyList<StateHandle>)[x.handle]));
        await storage.CompleteCheckpointAsync(metadata);

        CheckpointMetadata? loaded = await NewStorage().LoadLatestAsync();
        Assert.Equal(metadata, loaded);
        for (int subtask = 0; subtask < Subtasks; subtask++)
        {
            Assert.Equal(Payload(1, subtask, 10_000 + subtask), await storage.ReadStateAsync(handles[subtask]));
        }
    }

    [Fact]
    public async Task A_cancelled_write_leaves_no_file_and_a_cancelled_completion_no_metadata()
    {
        var storage = NewStorage();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => storage.WriteStateAsync(1, "counter-0.state", Payload(1, 0), cancelled.Token));
        Assert.Empty(Directory.EnumerateFiles(PathOf("chk-1")));

        StateHandle handle = await storage.WriteStateAsync(1, "counter-0.state", Payload(1, 0));
        var metadata = new CheckpointMetadata(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = [handle] });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => storage.CompleteCheckpointAsync(metadata, cancelled.Token));
        Assert.Equal(["counter-0.state"], Directory.EnumerateFiles(PathOf("chk-1")).Select(Path.GetFileName));
        Assert.Empty(storage.ListCompletedCheckpoints());

        await storage.CompleteCheckpointAsync(metadata);
        Assert.Equal([1L], storage.ListCompletedCheckpoints());
    }

    [Fact]
    public void The_directory_fsync_works_where_it_is_supported_and_a_failure_is_an_error_not_a_skip()
    {
        Directory.CreateDirectory(CheckpointDirectory);
        DirectorySync.Flush(CheckpointDirectory);
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            var thrown = Assert.Throws<IOException>(() => DirectorySync.Flush(Path.Combine(Root, "does-not-exist")));
            Assert.Contains("may not survive a power loss", thrown.Message, StringComparison.Ordinal);
        }
    }
}
