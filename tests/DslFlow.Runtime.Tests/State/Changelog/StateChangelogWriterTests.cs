using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// The subtask's state change log, in the shape of Flink's <c>FsStateChangelogWriterTest</c>: appends never write,
/// the pre-emptive threshold writes at once, persists round-trip the bytes and never write a change set twice, a failed
/// write is retried by the next persist, and truncation releases files and refuses older ranges.
/// </summary>
public class StateChangelogWriterTests : ChangelogTestKit
{
    [Fact]
    public void Appending_never_writes()
    {
        var writer = NewWriter(NewUploader());
        for (int i = 0; i < 100; i++)
        {
            writer.Append(i % 4, Change(i));
        }
        writer.NextSequenceNumber();

        Assert.Equal(0, Storage.Writes);
        Assert.Empty(LogFiles());
    }

    [Fact]
    public async Task An_append_that_reaches_the_threshold_writes_at_once_and_a_later_persist_writes_nothing()
    {
        var uploader = NewUploader();
        var writer = NewWriter(uploader, preemptiveThreshold: 1000);

        writer.Append(3, Change(1, length: 1000 - 8)); // exactly the threshold with its encoding
        Assert.Equal(1, writer.PreemptivePersists);
        var segments = await writer.PersistAsync(0, checkpointId: 1);

        Assert.Equal(1, Storage.Writes);
        Assert.Single(segments);
        Assert.Equal([Logged(3, 1, 1000 - 8)], ReadBack(segments));
    }

    [Fact]
    public async Task A_persist_round_trips_every_change_in_order_including_metadata()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(ChangelogFormat.MetadataKeyGroup, Change(0));
        for (int i = 1; i <= 50; i++)
        {
            writer.Append(i % 5, Change(i, length: i));
        }
        long from = 0;
        var first = await writer.PersistAsync(from, 1);
        writer.Append(2, Change(51));
        var second = await writer.PersistAsync(from, 2);

        List<(int, string)> expected = [Logged(ChangelogFormat.MetadataKeyGroup, 0), .. Enumerable.Range(1, 50).Select(i => Logged(i % 5, i, i)), Logged(2, 51)];
        Assert.Equal(expected, ReadBack(second));
        Assert.Equal(first, second.Take(first.Count)); // the first range is reused, not written again
    }

    [Fact]
    public async Task Persisting_a_confirmed_range_again_writes_nothing()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        var first = await writer.PersistAsync(0, 1);
        writer.Confirm(0, writer.ActiveSequenceNumber, 1);

        var again = await writer.PersistAsync(0, 2);

        Assert.Equal(1, Storage.Writes);
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task A_change_set_being_written_is_not_written_again_by_a_second_persist()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        Storage.Close();
        var first = writer.PersistAsync(0, 1);
        var second = writer.PersistAsync(0, 2);
        Assert.False(first.IsCompleted);

        Storage.Open();

        Assert.Equal(await first, await second);
        Assert.Equal(1, Storage.Writes);
    }

    [Fact]
    public async Task A_persist_writes_only_what_was_appended_since_the_last_one()
    {
        var uploader = NewUploader();
        var writer = NewWriter(uploader);
        writer.Append(1, Change(1, length: 100));
        await writer.PersistAsync(0, 1);
        long before = uploader.BytesWritten;

        writer.Append(1, Change(2, length: 10));
        var segments = await writer.PersistAsync(0, 2);

        Assert.Equal(2, segments.Count);
        Assert.Equal(ChangelogFormat.SectionOverhead + ChangelogFormat.ChangeOverhead + 10, uploader.BytesWritten - before);
    }

    [Fact]
    public async Task After_an_abort_written_changes_are_reused_and_a_failed_write_is_written_by_the_next_persist()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        var written = await writer.PersistAsync(0, 1);
        writer.Reset(0, writer.ActiveSequenceNumber, 1);
        writer.Append(2, Change(2));
        Storage.FailNextWrites(2); // the write and the persist's one retry
        await Assert.ThrowsAsync<IOException>(() => writer.PersistAsync(0, 2));
        writer.Reset(0, writer.ActiveSequenceNumber, 2);

        var retried = await writer.PersistAsync(0, 3);

        Assert.Equal(written[0], retried[0]); // the abort deleted nothing: not written again
        Assert.Equal([Logged(1, 1), Logged(2, 2)], ReadBack(retried));
        Assert.Equal(4, Storage.Writes); // the first file, two failed attempts, then the second set alone
    }

    [Fact]
    public async Task A_write_that_fails_twice_fails_its_persist_with_the_storage_error()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        Storage.FailNextWrites(2);

        var ex = await Assert.ThrowsAsync<IOException>(() => writer.PersistAsync(0, 1));

        Assert.Contains("injected: the disk is full", ex.Message);
    }

    [Fact]
    public async Task A_failed_pre_emptive_write_is_written_again_by_the_persist_and_later_changes_persist_with_it()
    {
        var writer = NewWriter(NewUploader(), preemptiveThreshold: 1);
        Storage.FailNextWrites(1);
        writer.Append(1, Change(1)); // pre-emptive write fails
        writer.Append(2, Change(2)); // pre-emptive write of the new set succeeds

        var segments = await writer.PersistAsync(0, 1);

        Assert.Equal([Logged(1, 1), Logged(2, 2)], ReadBack(segments));
    }

    [Fact]
    public async Task Truncating_releases_the_files_below_it_and_refuses_a_persist_from_before_it()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        await writer.PersistAsync(0, 1);
        long materializedTo = writer.NextSequenceNumber();
        writer.Append(1, Change(2));
        var kept = await writer.PersistAsync(materializedTo, 2);
        Assert.Equal(2, LogFiles().Count);

        writer.Truncate(materializedTo);

        Assert.Equal([Inner(kept[0])], LogFiles());
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => { _ = writer.PersistAsync(0, 3); });
        Assert.Contains("truncated up to change set 1", refused.Message);
    }

    [Fact]
    public async Task A_set_truncated_while_it_is_written_is_released_once_written()
    {
        var writer = NewWriter(NewUploader());
        writer.Append(1, Change(1));
        Storage.Close();
        var persisting = writer.PersistAsync(0, 1);
        writer.Truncate(writer.NextSequenceNumber());

        Storage.Open();
        await persisting;

        Assert.Empty(LogFiles());
    }

    [Fact]
    public async Task Closing_releases_what_no_checkpoint_covers_and_keeps_what_one_does()
    {
        var writer = NewWriter(NewUploader(), preemptiveThreshold: 1);
        writer.Append(1, Change(1));
        var covered = await writer.PersistAsync(0, 1);
        writer.Append(1, Change(2)); // written pre-emptively, covered by no checkpoint
        await WaitForFilesAsync(2);

        writer.Dispose();

        Assert.Equal([Inner(covered[0])], LogFiles());
    }

    private string Inner(ChangelogSegment segment) => PathOf(segment.File.RelativePath);

    private async Task WaitForFilesAsync(int count)
    {
        for (int i = 0; i < 6000 && LogFiles().Count < count; i++)
        {
            await Task.Delay(10);
        }
        Assert.Equal(count, LogFiles().Count);
    }
}
