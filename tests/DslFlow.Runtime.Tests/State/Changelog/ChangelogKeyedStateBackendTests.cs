using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.State.Heap;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// The changelog backend over the heap backend, in the shapes of Flink's <c>ChangelogKeyedStateBackendTest</c>
/// (materialization protocol, confirmation), <c>testMaterializedRestore</c> and <c>ChangelogStateDiscardTest</c>
/// (which files exist when), with the real local storage completing the checkpoints.
/// </summary>
public class ChangelogKeyedStateBackendTests : ChangelogBackendTestKit
{
    [Fact]
    public async Task Restore_after_two_materializations_applies_the_materialized_state_then_the_log_since_it()
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader);
        Put(subtask, "u1", 1);
        Put(subtask, "u2", 2);
        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 1);
        Put(subtask, "u2", 22);
        Put(subtask, "u3", 3);
        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 2);
        Put(subtask, "u4", 4);
        Put(subtask, "u2", 222);
        var last = await CompleteAsync(subtask, 3);

        Subtask restored = Restore(uploader, last, out ChangelogLogReader reader);

        Assert.Equal(2, last.Checkpoint.Base.MaterializationId);
        Assert.Equal(new Dictionary<string, long> { ["u1"] = 1, ["u2"] = 222, ["u3"] = 3, ["u4"] = 4 }, Values(restored));
        Assert.Equal(2, restored.Backend.Base.MaterializationId);
        Assert.Equal(last.Log.Select(s => s.File.RelativePath).Distinct().Count(), reader.FilesRead);
    }

    [Fact]
    public async Task A_restored_subtask_builds_on_the_restored_parts_until_its_first_materialization()
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader);
        Put(subtask, "a", 1);
        var first = await CompleteAsync(subtask, 1); // log only
        Subtask restored = Restore(uploader, first, out _);
        Put(restored, "b", 2);

        var second = await CompleteAsync(restored, 2);
        Subtask again = Restore(uploader, second, out _);

        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 2 }, Values(again));
        Assert.Single(second.Checkpoint.Base.RestoredLogs);
    }

    [Fact]
    public async Task At_most_one_materialization_is_pending_a_failed_one_allows_the_next_and_a_confirmed_one_too()
    {
        Subtask subtask = NewSubtask(NewUploader());
        Put(subtask, "k", 1);

        Storage.Close();
        Assert.Equal(MaterializationStart.Started, subtask.Backend.TryMaterialize());          // (1) starts
        Assert.Equal(MaterializationStart.PreviousPending, subtask.Backend.TryMaterialize());  // (2) refused while running
        Storage.FailNextWrites(1);
        Storage.Open();
        await subtask.Backend.WaitForMaterializationAsync();
        Assert.Equal((0, 1), subtask.Backend.Materializations);

        Assert.Equal(MaterializationStart.Started, subtask.Backend.TryMaterialize());          // (3) after a failure
        await subtask.Backend.WaitForMaterializationAsync();
        Put(subtask, "k", 2);
        Assert.Equal(MaterializationStart.PreviousPending, subtask.Backend.TryMaterialize());  // (4) done, not confirmed
        await CompleteAsync(subtask, 1);
        Assert.Equal(MaterializationStart.Started, subtask.Backend.TryMaterialize());          // (5) confirmed: next one
        await subtask.Backend.WaitForMaterializationAsync();
        Assert.Equal((2, 1), subtask.Backend.Materializations);
    }

    [Fact]
    public async Task Periodic_materialization_starts_after_the_subtasks_offset_then_every_interval_from_the_last_attempt()
    {
        TimeSpan interval = TimeSpan.FromMinutes(10);
        Subtask subtask = NewSubtask(NewUploader(), interval: interval);
        TimeSpan offset = ChangelogKeyedStateBackend.FirstOffset("Count-0", interval);
        Put(subtask, "k", 1);

        Assert.Null(subtask.Backend.MaterializeIfDue()); // sets the first due time: now + offset
        Clock.Advance(offset - TimeSpan.FromTicks(1));
        Assert.Null(subtask.Backend.MaterializeIfDue());
        Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(MaterializationStart.Started, subtask.Backend.MaterializeIfDue());
        await subtask.Backend.WaitForMaterializationAsync();
        Put(subtask, "k", 2);
        Clock.Advance(interval);
        Assert.Equal(MaterializationStart.PreviousPending, subtask.Backend.MaterializeIfDue()); // not confirmed: tried again next time
        await CompleteAsync(subtask, 1);
        Assert.Equal(MaterializationStart.Started, subtask.Backend.MaterializeIfDue());
        await subtask.Backend.WaitForMaterializationAsync();
        await CompleteAsync(subtask, 2);
        Clock.Advance(interval - TimeSpan.FromTicks(1));
        Assert.Null(subtask.Backend.MaterializeIfDue());
        Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(MaterializationStart.NothingChanged, subtask.Backend.MaterializeIfDue());
    }

    [Fact]
    public void The_first_offsets_of_many_subtasks_spread_over_the_whole_interval()
    {
        TimeSpan interval = TimeSpan.FromMinutes(10); // more ticks than a 32-bit hash: the offset must scale, not wrap
        TimeSpan[] offsets = [.. Enumerable.Range(0, 1_000).Select(i => ChangelogKeyedStateBackend.FirstOffset($"Count-{i}", interval))];

        Assert.All(offsets, o => Assert.InRange(o, TimeSpan.Zero, interval - TimeSpan.FromTicks(1)));
        Assert.True(offsets.Max() > interval * 0.95, $"the latest offset is {offsets.Max()}");
        Assert.True(offsets.Count(o => o < interval / 2) is > 400 and < 600, "about half in each half");
    }

    [Fact]
    public async Task Nothing_new_since_the_last_materialization_skips_the_next()
    {
        Subtask subtask = NewSubtask(NewUploader());
        Assert.Equal(MaterializationStart.NothingChanged, subtask.Backend.TryMaterialize());
        Put(subtask, "k", 1);
        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 1);

        Assert.Equal(MaterializationStart.NothingChanged, subtask.Backend.TryMaterialize());
    }

    [Fact]
    public async Task A_completed_checkpoint_confirms_its_materialization_to_the_wrapped_backend()
    {
        Subtask subtask = NewSubtask(NewUploader());
        Put(subtask, "k", 1);
        await CompleteAsync(subtask, 200); // no materialization yet: nothing to confirm
        Assert.Empty(subtask.Inner.Completed);

        await MaterializeAsync(subtask);
        await CompleteAsync(subtask, 201);

        Assert.Equal([1], subtask.Inner.Completed); // materialization 1, not checkpoint 201
    }

    [Fact]
    public async Task One_more_consecutive_failure_than_allowed_fails_the_task_and_a_success_resets_the_count()
    {
        Subtask subtask = NewSubtask(NewUploader(), maxFailures: 1);
        Put(subtask, "k", 1);
        Storage.FailNextWrites(1);
        await MaterializeAsync(subtask); // failure 1 of 1 allowed
        await MaterializeAsync(subtask); // success
        await CompleteAsync(subtask, 1);  // confirmed: the count starts again
        Put(subtask, "k", 2);
        Storage.FailNextWrites(2);
        await MaterializeAsync(subtask); // failure 1
        Assert.Equal(MaterializationStart.Started, subtask.Backend.TryMaterialize());

        var ex = await Assert.ThrowsAsync<TaskStateException>(() => subtask.Backend.WaitForMaterializationAsync()); // failure 2

        Assert.Contains("2 materializations of Count-0's keyed state failed in a row, more than the 1", ex.Message);
        Assert.Contains("MaxMaterializationFailures", ex.Message);
    }

    [Fact]
    public async Task After_a_confirmed_materialization_the_log_before_it_goes_once_no_retained_checkpoint_lists_it()
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader, preemptive: 1); // every change is written at once (Flink's "flush ASAP")
        Put(subtask, "a", 1);
        var first = await CompleteAsync(subtask, 1);
        Put(subtask, "b", 2); // written pre-emptively, listed by no checkpoint yet
        await MaterializeAsync(subtask);
        Put(subtask, "c", 3);
        var second = await CompleteAsync(subtask, 2); // confirms the materialization: the log before it is truncated
        HashSet<string> beforeMaterialization = [.. first.Log.Select(s => PathOf(s.File.RelativePath))];

        Assert.All(beforeMaterialization, file => Assert.True(File.Exists(file), "checkpoint 1 is still retained (3) and lists it"));
        await CompleteAsync(subtask, 3);
        await CompleteAsync(subtask, 4);
        await CompleteAsync(subtask, 5); // retires 1 and 2

        Assert.All(beforeMaterialization, file => Assert.False(File.Exists(file), "no retained checkpoint lists it"));
        Assert.All(second.Checkpoint.Base.Files, f => Assert.True(File.Exists(PathOf(f.RelativePath))));
        Assert.Equal(new Dictionary<string, long> { ["a"] = 1, ["b"] = 2, ["c"] = 3 },
            Values(Restore(uploader, await CompleteAsync(subtask, 6), out _)));
    }

    [Theory]
    [InlineData(true, "in a changelog materialization")]
    [InlineData(false, "in the state change log")]
    public async Task A_keyed_state_the_job_no_longer_declares_is_refused_unless_AllowNonRestoredState_drops_it(bool materialized, string where)
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader);
        Put(subtask, "a", 1);
        if (materialized)
        {
            await MaterializeAsync(subtask); // nothing logged after it: only the materialization holds the state
        }
        var (checkpoint, log) = await CompleteAsync(subtask, 1);
        var renamed = new KeyedStateDescriptor<string, long>("Count.renamed", KeyedStateKind.Value, null, null);
        ChangelogRestorePart[] parts = [new(checkpoint.Base.Files, checkpoint.Base.MaterializationId, [.. checkpoint.Base.RestoredLogs, log])];

        Subtask refusing = NewSubtask(uploader, owner: "Count-0-refusing", declared: renamed);
        var refusal = Assert.Throws<JobConfigurationException>(() => refusing.Backend.RestoreChangelog(1, parts, new ChangelogLogReader(Storage)));
        Subtask dropping = NewSubtask(uploader, owner: "Count-0-dropping", declared: renamed);
        dropping.Backend.RestoreChangelog(1, parts, new ChangelogLogReader(Storage), allowNonRestoredState: true);

        Assert.Contains("Checkpoint 1 holds keyed state this job no longer declares: 'Count.total'", refusal.Message);
        Assert.Contains(where, refusal.Message);
        Assert.Contains("AllowNonRestoredState = true", refusal.Message);
        Assert.Empty(Values(dropping));
    }

    [Fact]
    public async Task A_damaged_log_file_fails_the_restore_naming_the_file_like_a_damaged_state_file()
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader);
        Put(subtask, "a", 1);
        var checkpoint = await CompleteAsync(subtask, 1);
        string file = checkpoint.Log[0].File.RelativePath;
        FlipByte(PathOf(file), 8 + 20); // inside the payload: the file's checksum no longer matches

        var ex = Assert.Throws<CheckpointCorruptedException>(() => Restore(uploader, checkpoint, out _));

        Assert.Contains($"file '{file}'", ex.Message);
        Assert.Equal(1, ex.CheckpointId);
    }

    [Fact]
    public async Task A_damaged_materialization_fails_the_restore_naming_the_state()
    {
        var uploader = NewUploader();
        Subtask subtask = NewSubtask(uploader);
        Put(subtask, "a", 1);
        await MaterializeAsync(subtask);
        var checkpoint = await CompleteAsync(subtask, 1);
        FlipByte(PathOf(checkpoint.Checkpoint.Base.Files[0].RelativePath), 8 + 2); // inside the first key-group block

        var ex = Assert.Throws<TaskStateException>(() => Restore(uploader, checkpoint, out _));

        Assert.Contains("could not restore keyed state 'Count.total' from checkpoint 1", ex.Message);
        Assert.Contains("fails its checksum", ex.InnerException!.Message);
    }
}
