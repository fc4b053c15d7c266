using System.Collections.Concurrent;
using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

/// <summary>
/// What a power loss could take: a checkpoint counts as completed, and the previous one is retired, only once its
/// metadata rename is durable; every folder the storage creates is synced into its parent.
/// </summary>
public sealed class CheckpointDurabilityTests : StorageFixture
{
    [Fact]
    public async Task A_checkpoint_whose_metadata_sync_fails_is_not_completed_and_the_previous_one_is_kept()
    {
        LocalCheckpointStorage storage = NewStorage(retained: 1);
        await WriteCheckpointAsync(storage, 1);
        storage.FaultInjector = (step, _) =>
        {
            if (step == "metadata.sync")
            {
                throw new IOException("fsync: Input/output error");
            }
        };

        var thrown = await Assert.ThrowsAsync<IOException>(() => WriteCheckpointAsync(storage, 2));

        Assert.Contains("is not completed and older checkpoints are kept", thrown.Message, StringComparison.Ordinal);
        Assert.Equal([1L], storage.ListCompletedCheckpoints()); // before: [2], and checkpoint 1 deleted by retention
        Assert.NotNull(await storage.LoadCheckpointAsync(1));
        storage.FaultInjector = null;
        await WriteCheckpointAsync(storage, 3); // the next checkpoint completes and retires 1 as usual
        Assert.Equal([3L], storage.ListCompletedCheckpoints());
    }

    /// <summary>
    /// SyncMetadataOrUndo: when the undo rename itself fails, its exception replaces the sync failure (the message
    /// no longer says the checkpoint is not completed), and the checkpoint reported as failed keeps its
    /// <c>_metadata</c>: it is listed as completed and a restore will use it, while the coordinator aborted it. Here
    /// the undo fails because something occupies the temporary name (a directory), which makes the rename fail
    /// even as root.
    /// </summary>
    [Fact]
    public async Task A_failed_undo_of_the_metadata_rename_still_reports_the_sync_failure_and_leaves_no_completed_checkpoint()
    {
        LocalCheckpointStorage storage = NewStorage(retained: 1);
        await WriteCheckpointAsync(storage, 1);
        storage.FaultInjector = (step, directory) =>
        {
            if (step == "metadata.sync")
            {
                Directory.CreateDirectory(Path.Combine(directory, CheckpointPaths.MetadataTempFileName, "occupied"));
                throw new IOException("fsync: Input/output error");
            }
        };

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => WriteCheckpointAsync(storage, 2));

        Assert.Contains("fsync: Input/output error", thrown.ToString(), StringComparison.Ordinal); 
        Assert.Equal([1L], storage.ListCompletedCheckpoints()); // failed: [1, 2], a "failed" checkpoint restorable
    }
    [Fact]
    public async Task A_new_checkpoint_directory_is_synced_into_the_job_folder_before_its_state_is_relied_on()
    {
        LocalCheckpointStorage storage = NewStorage();
        ConcurrentQueue<string> synced = ObserveSyncs(out Action stop);
        try
        {
            await storage.WriteStateAsync(1, "s-0.state", Payload(1, 0));
        }
        finally
        {
            stop();
        }
        Assert.Contains(Path.GetFullPath(CheckpointDirectory), synced); // chk-1 created in it
    }

    [Fact]
    public void Opening_a_job_folder_syncs_every_folder_it_creates_into_its_parent()
    {
        string checkpoints = Path.Combine(Root, "a", "b");
        ConcurrentQueue<string> synced = ObserveSyncs(out Action stop);
        try
        {
            using JobCheckpointFolder folder = JobCheckpointFolder.Open(checkpoints, "job", startFresh: false, NullLogger.Instance);
        }
        finally
        {
            stop();
        }
        Assert.Contains(Root, synced); // a created
        Assert.Contains(Path.Combine(Root, "a"), synced); // b created
        Assert.Contains(checkpoints, synced); // the job folder created
    }

    /// <summary>The directories synced under <see cref="StorageFixture.Root"/> until <paramref name="stop"/> is called.</summary>
    private ConcurrentQueue<string> ObserveSyncs(out Action stop)
    {
        var synced = new ConcurrentQueue<string>();
        void Observe(string directory)
        {
            if (directory.StartsWith(Root, StringComparison.Ordinal))
            {
                synced.Enqueue(Path.TrimEndingDirectorySeparator(directory));
            }
        }
        DirectorySync.Synced += Observe;
        stop = () => DirectorySync.Synced -= Observe;
        return synced;
    }
}
