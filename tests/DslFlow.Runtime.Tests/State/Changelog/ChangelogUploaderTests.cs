using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// Batching the changes of a job's subtasks into shared log files, in the shape of Flink's
/// <c>BatchingStateChangeUploadSchedulerTest</c>: no delay, the size threshold, the delay (on a fake clock), several
/// subtasks in one file released only when all are done with it, backpressure at the in-flight cap, cancellation while
/// blocked, and closing.
/// </summary>
public class ChangelogUploaderTests : ChangelogTestKit
{
    private static SealedChangeSet Set(long sequence, int changeBytes)
    {
        var changes = new byte[ChangelogFormat.ChangeOverhead + changeBytes];
        ChangelogFormat.WriteChange(changes, 0, new byte[changeBytes]);
        return new SealedChangeSet(sequence, 1, changes, changes.Length);
    }

    [Fact]
    public async Task Without_a_delay_every_request_is_written_at_once()
    {
        var uploader = NewUploader(delay: TimeSpan.Zero);

        await uploader.Upload([Set(0, 10)], CancellationToken.None);
        await uploader.Upload([Set(1, 10)], CancellationToken.None);

        Assert.Equal(2, uploader.FilesWritten);
    }

    [Fact]
    public async Task Nothing_is_written_before_the_delay_unless_the_waiting_bytes_reach_the_size_threshold()
    {
        int section = Set(0, 11).SectionLength;
        var uploader = NewUploader(delay: TimeSpan.FromMinutes(1), sizeThreshold: 7 * section);
        List<Task<IReadOnlyList<ChangelogSegment>>> uploads = [];
        for (int i = 0; i < 6; i++)
        {
            uploads.Add(uploader.Upload([Set(i, 11)], CancellationToken.None));
        }
        Assert.Equal(0, Storage.Writes);
        Assert.All(uploads, upload => Assert.False(upload.IsCompleted));

        uploads.Add(uploader.Upload([Set(6, 11)], CancellationToken.None)); // the seventh reaches the threshold
        await Task.WhenAll(uploads);

        Assert.Equal(1, uploader.FilesWritten);
        Assert.Single(LogFiles());
        var results = await Task.WhenAll(uploads);
        Assert.Equal([.. Enumerable.Range(0, 7).Select(i => (long)i * section)], results.Select(r => r[0].Offset));
    }

    [Fact]
    public async Task A_request_waits_for_the_delay_and_requests_that_arrive_meanwhile_share_its_file()
    {
        var uploader = NewUploader(delay: TimeSpan.FromMilliseconds(50));
        var first = uploader.Upload([Set(0, 10)], CancellationToken.None);
        Clock.Advance(TimeSpan.FromMilliseconds(49));
        var second = uploader.Upload([Set(0, 20), Set(1, 5)], CancellationToken.None);
        Assert.False(first.IsCompleted);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var written = await Task.WhenAll(first, second);

        Assert.Equal(1, uploader.FilesWritten);
        Assert.Equal(written[0][0].File, written[1][1].File);
    }

    [Fact]
    public async Task A_file_shared_by_two_subtasks_goes_only_when_both_released_their_sets()
    {
        var uploader = NewUploader(delay: TimeSpan.FromMilliseconds(10));
        var a = uploader.Upload([Set(0, 10)], CancellationToken.None);
        var b = uploader.Upload([Set(0, 10), Set(1, 10)], CancellationToken.None);
        Clock.Advance(TimeSpan.FromMilliseconds(10));
        var sets = await Task.WhenAll(a, b);

        uploader.Release(sets[0][0]);
        Assert.Single(LogFiles());
        uploader.Release(sets[1][0]);
        Assert.Single(LogFiles());
        uploader.Release(sets[1][1]);

        Assert.Empty(LogFiles());
    }

    [Fact]
    public async Task At_the_in_flight_cap_a_request_blocks_until_a_file_is_written()
    {
        int section = Set(0, 100).SectionLength;
        var uploader = NewUploader(maxInFlight: section + section / 2);
        Storage.Close();
        var first = uploader.Upload([Set(0, 100)], CancellationToken.None);
        var blocked = Task.Run(() => uploader.Upload([Set(1, 100)], CancellationToken.None));

        await Task.Delay(200); // gives a wrong implementation the chance to let it through
        Assert.False(blocked.IsCompleted, "a request past the in-flight cap must wait");
        Assert.Equal(section, uploader.InFlightBytes);

        Storage.Open();
        await blocked;
        await first;
        Assert.Equal(0, uploader.InFlightBytes);
    }

    [Fact]
    public async Task A_request_blocked_at_the_cap_ends_when_its_task_is_cancelled()
    {
        int section = Set(0, 100).SectionLength;
        var uploader = NewUploader(maxInFlight: section);
        Storage.Close();
        _ = uploader.Upload([Set(0, 100)], CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var blocked = Task.Run(() => uploader.Upload([Set(1, 100)], cancel.Token));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
    }

    [Fact]
    public async Task Closing_fails_waiting_requests_and_refuses_new_ones()
    {
        var uploader = NewUploader(delay: TimeSpan.FromMinutes(1));
        var waiting = uploader.Upload([Set(0, 10)], CancellationToken.None);

        uploader.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        Assert.Throws<ObjectDisposedException>(() => { _ = uploader.Upload([Set(1, 10)], CancellationToken.None); });
        Assert.Equal(0, Storage.Writes);
    }
}
