namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// Flink's <c>ChangelogStateDiscardTest</c>, its six cases, with file-existence assertions on the real storage: every
/// change is written at once (Flink's "flush ASAP", a pre-emptive threshold of one byte), and a log file goes only once
/// it is both materialized (a confirmed materialization covers it) and subsumed (no retained checkpoint lists it; the
/// storage retains three), or was never checkpointed when its writer closes.
/// </summary>
public class ChangelogStateDiscardTests : ChangelogBackendTestKit
{
    private IReadOnlyList<string> ChangelogFiles() => [.. LogFiles().Where(f => Path.GetFileName(f).StartsWith("changelog-", StringComparison.Ordinal))];

    private string FileOf((DslFlow.State.Changelog.ChangelogCheckpoint Checkpoint, IReadOnlyList<DslFlow.State.Changelog.ChangelogSegment> Log) checkpoint) =>
        PathOf(Assert.Single(checkpoint.Log.Select(s => s.File.RelativePath).Distinct()));

    /// <summary>Waits (bounded) until at least <paramref name="count"/> log files exist; returns them.</summary>
    private async Task<IReadOnlyList<string>> WaitForChangelogFilesAsync(int count)
    {
        for (int i = 0; i < 6_000 && ChangelogFiles().Count < count; i++)
        {
            await Task.Delay(10);
        }
        Assert.True(ChangelogFiles().Count >= count, $"{ChangelogFiles().Count} log files, waiting for {count}");
        return ChangelogFiles();
    }

    [Fact]
    public async Task Subsumed_but_not_materialized_a_file_stays_and_goes_once_a_materialization_covers_it()
    {
        Subtask subtask = NewSubtask(NewUploader(), preemptive: 1);
        Put(subtask, "a", 1);
        string file = FileOf(await CompleteAsync(subtask, 1));
        for (long id = 2; id <= 4; id++)
        {
            await CompleteAsync(subtask, id); // retires checkpoint 1; the later ones list the file, nothing materialized
        }
        Assert.True(File.Exists(file), "still the log of every retained checkpoint");

        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 5); // confirms the materialization: checkpoints 3 and 4 still list the file
        Assert.True(File.Exists(file));
        await CompleteAsync(subtask, 6);
        await CompleteAsync(subtask, 7); // retires 4

        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Materialized_but_not_subsumed_a_file_stays_and_goes_once_no_retained_checkpoint_lists_it()
    {
        Subtask subtask = NewSubtask(NewUploader(), preemptive: 1);
        Put(subtask, "a", 1);
        string file = FileOf(await CompleteAsync(subtask, 1));
        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 2); // confirmed and truncated: checkpoint 1 still lists the file
        Assert.True(File.Exists(file));

        await CompleteAsync(subtask, 3);
        Assert.True(File.Exists(file));
        await CompleteAsync(subtask, 4); // retires 1

        Assert.False(File.Exists(file));
    }

    [Fact]
    public async Task Without_a_completed_checkpoint_after_them_a_materialization_and_written_changes_all_stay()
    {
        Subtask subtask = NewSubtask(NewUploader(), preemptive: 1);
        Put(subtask, "a", 1);
        await CompleteAsync(subtask, 1);
        PutAppendingAtOnce(subtask, "b"); // written pre-emptively
        IReadOnlyList<string> written = await WaitForChangelogFilesAsync(2);
        await MaterializeAsync(subtask);
        subtask.Backend.SnapshotChangelog(2); // taken, never completed or notified
        await subtask.Backend.SnapshotChangelog(3).Log;

        Assert.All(written, file => Assert.True(File.Exists(file), file));
        Assert.Single(LogFiles(), f => Path.GetFileName(f).StartsWith("materialization-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_write_that_ends_after_its_changes_were_truncated_is_deleted_when_it_ends()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        Storage.Close(); // the write hangs in the storage
        Task<IReadOnlyList<DslFlow.State.Changelog.ChangelogSegment>> persisting = writer.PersistAsync(0, 1);
        writer.Truncate(writer.NextSequenceNumber()); // a materialization covered the changes meanwhile

        Storage.Open();
        await persisting;

        Assert.Empty(ChangelogFiles());
    }

    [Fact]
    public async Task Closing_deletes_what_no_checkpoint_lists_and_keeps_what_one_does()
    {
        Subtask subtask = NewSubtask(NewUploader(), preemptive: 1);
        Put(subtask, "a", 1);
        string listed = FileOf(await CompleteAsync(subtask, 1));
        PutAppendingAtOnce(subtask, "b"); // written pre-emptively, listed by no checkpoint
        await WaitForChangelogFilesAsync(2);

        subtask.Backend.Dispose(); // a write still under way is released once written: wait for it, bounded

        for (int i = 0; i < 6_000 && ChangelogFiles().Count > 1; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal([listed], ChangelogFiles());
    }

    private void AdvanceClock() => Clock.Advance(TimeSpan.FromMilliseconds(10));

    [Fact]
    public async Task A_file_two_subtasks_share_goes_only_after_both_truncated_it()
    {
        var uploader = NewUploader(delay: TimeSpan.FromMilliseconds(10));
        Subtask first = NewSubtask(uploader, preemptive: 1, owner: "Count-0");
        Subtask second = NewSubtask(uploader, preemptive: 1, owner: "Count-1");
        Put(first, "a", 1);
        Put(second, "b", 2);
        var taken = await CompleteAllAsync(1, AdvanceClock, first, second); // both tails wait, then go into one file
        string file = FileOf(taken[0]);
        Assert.Equal(file, FileOf(taken[1]));

        await MaterializeAsync(first);
        for (long id = 2; id <= 5; id++)
        {
            await CompleteAllAsync(id, AdvanceClock, first, second); // the first truncated its part; the second's log still lists the file
        }
        Assert.True(File.Exists(file));

        await MaterializeAsync(second);
        for (long id = 6; id <= 8; id++)
        {
            await CompleteAllAsync(id, AdvanceClock, first, second); // the second truncated too; 8 retires 5, the last to list it
        }

        Assert.False(File.Exists(file));
    }
}
