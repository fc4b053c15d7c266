using System.Collections.Concurrent;
using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using DslFlow.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Checkpointing.Coordination;

/// <summary>
/// The coordinator with <c>MaxConcurrentCheckpoints &gt; 1</c> and slow persistence: out-of-order completions, and
/// shutdown racing an acknowledgement (issue 11, defects 5 and 6).
/// </summary>
public class ConcurrentCompletionTests(ITestOutputHelper output)
{
    private readonly FakeTimeProvider _time = new();

    private static CheckpointConfig Config(int maxConcurrent, int tolerable = 0) =>
        new(TimeSpan.FromSeconds(1), CheckpointAlignment.Aligned, TimeSpan.FromSeconds(10), TimeSpan.Zero, maxConcurrent, tolerable, 1, "unused");

    [Fact]
    public async Task A_checkpoint_whose_metadata_write_a_newer_completion_overtook_ends_subsumed_not_failed()
    {
        var participants = new GatedParticipants(subtasks: 2);
        await using var coordinator = new CheckpointCoordinator(Config(maxConcurrent: 2), participants, _time, NullLogger.Instance);
        string? failOver = null;
        coordinator.TooManyFailures += reason => failOver = reason;
        participants.Hold(1);

        Assert.Equal(1, coordinator.TriggerNow());
        Assert.Equal(2, coordinator.TriggerNow());
        coordinator.Acknowledge(1, 0);
        coordinator.Acknowledge(1, 1); // 1's metadata write starts and waits
        coordinator.Acknowledge(2, 1);
        coordinator.Acknowledge(2, 0); // 2 is persisted at once and completes first
        Assert.Equal([2], participants.Completed);
        participants.Release(1); // now 1's write ends
        await participants.WhenPersisted(1);

        Eventually.True(() => coordinator.History.Any(r => r.Id == 1 && r.Status != CheckpointStatus.InProgress), "checkpoint 1 ended");
        CheckpointRecord first = coordinator.History.Single(r => r.Id == 1);
        Assert.Equal(CheckpointFailureCategory.Subsumed, first.FailureCategory);
        Assert.Equal(CheckpointStatus.Completed, coordinator.History.Single(r => r.Id == 2).Status);
        Assert.Equal([2], participants.Completed); // no completion notification for the older one after the newer
        Assert.Equal(2, coordinator.LatestCompletedId);
        Assert.Null(failOver); // tolerable failures 0, yet nothing failed over
    }

    [Fact]
    public async Task Storage_never_deletes_a_checkpoint_whose_metadata_is_being_written()
    {
        using var directory = new TempCheckpointDirectory();
        var storage = new LocalCheckpointStorage(directory.Path, retainedCheckpoints: 1);
        StateHandle one = await storage.WriteStateAsync(1, "s-0.state", new byte[] { 1, 2, 3 });
        StateHandle two = await storage.WriteStateAsync(2, "s-0.state", new byte[] { 4, 5 });
        using var renaming = new SemaphoreSlim(0);
        using var proceed = new SemaphoreSlim(0);
        storage.FaultInjector = (step, path) =>
        {
            // By the checkpoint's directory name: the temporary root's own name may contain "chk-1" too.
            if (step == "metadata.rename" && Path.GetFileName(Path.GetDirectoryName(path)) == "chk-1")
            {
                renaming.Release();
                proceed.Wait(TimeSpan.FromMinutes(1));
            }
        };

        Task completingOne = Task.Run(() => storage.CompleteCheckpointAsync(Metadata(1, one)));
        Assert.True(await renaming.WaitAsync(TimeSpan.FromMinutes(1)));
        await storage.CompleteCheckpointAsync(Metadata(2, two)); // its retention must leave checkpoint 1 alone
        Assert.True(Directory.Exists(Path.Combine(directory.Path, "chk-1")), "checkpoint 1 was deleted while its metadata was written");
        proceed.Release();
        await completingOne.WaitAsync(TimeSpan.FromMinutes(1)); // completes instead of failing with a missing directory

        Assert.Equal([2], storage.ListCompletedCheckpoints()); // retention 1 then retires the older one
        Assert.NotNull(await storage.LoadCheckpointAsync(2));
    }

    [Fact]
    public async Task Shutdown_waits_for_every_metadata_write_an_acknowledgement_started_seeded_races()
    {
        int seed = Environment.TickCount & 0x7fff;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (int round = 0; round < 300; round++)
        {
            var participants = new SlowParticipants(subtasks: 2, delayTicks: random.Next(1_000, 20_000));
            var coordinator = new CheckpointCoordinator(Config(maxConcurrent: 2), participants, _time, NullLogger.Instance);
            coordinator.TriggerNow();
            coordinator.Acknowledge(1, 0);
            using var start = new Barrier(2);
            int spin = random.Next(0, 500);
            Task acknowledge = Task.Run(() =>
            {
                start.SignalAndWait();
                Thread.SpinWait(spin);
                coordinator.Acknowledge(1, 1);
            });
            Task shutdown = Task.Run(async () =>
            {
                start.SignalAndWait();
                await coordinator.DisposeAsync();
                // Whatever the interleaving, a write that started has ended once shutdown returned.
                Assert.True(participants.InFlight == 0, $"round {round} (seed {seed}): shutdown returned while a metadata write was in flight");
            });
            await Task.WhenAll(acknowledge, shutdown).WaitAsync(TimeSpan.FromMinutes(1));
        }
    }

    private static CheckpointMetadata Metadata(long id, StateHandle handle) =>
        new(id, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1),
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("s", 0)] = [handle] });

    /// <summary>Participants whose metadata writes wait until the test releases them.</summary>
    private sealed class GatedParticipants(int subtasks) : ICheckpointParticipants
    {
        private readonly ConcurrentDictionary<long, TaskCompletionSource> _gates = new();
        private readonly ConcurrentDictionary<long, TaskCompletionSource> _persisted = new();

        public List<long> Completed { get; } = [];

        public int SubtaskCount => subtasks;

        public void Hold(long id) => _gates[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release(long id) => _gates[id].SetResult();

        public Task WhenPersisted(long id) => Persisted(id).Task.WaitAsync(TimeSpan.FromMinutes(1));

        private TaskCompletionSource Persisted(long id) =>
            _persisted.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public void InjectBarrier(CheckpointBarrier barrier)
        {
        }

        public async Task PersistAsync(long checkpointId, DateTimeOffset triggeredAt, IReadOnlyList<IReadOnlyList<StateHandle>> stateBySubtask)
        {
            if (_gates.TryGetValue(checkpointId, out TaskCompletionSource? gate))
            {
                await gate.Task;
            }
            Persisted(checkpointId).TrySetResult();
        }

        public void NotifyComplete(long checkpointId)
        {
            lock (Completed)
            {
                Completed.Add(checkpointId);
            }
        }

        public void CheckpointEnded()
        {
        }

        public void NotifyAborted(long checkpointId)
        {
        }
    }

    /// <summary>Participants whose metadata writes take a little while on the thread pool, counting those in flight.</summary>
    private sealed class SlowParticipants(int subtasks, int delayTicks) : ICheckpointParticipants
    {
        private int _inFlight;

        public int InFlight => Volatile.Read(ref _inFlight);

        public int SubtaskCount => subtasks;

        public void InjectBarrier(CheckpointBarrier barrier)
        {
        }

        public async Task PersistAsync(long checkpointId, DateTimeOffset triggeredAt, IReadOnlyList<IReadOnlyList<StateHandle>> stateBySubtask)
        {
            Interlocked.Increment(ref _inFlight);
            try
            {
                Thread.SpinWait(delayTicks); // synchronous work before the first await (encoding, opening the file)
                await Task.Yield();
                Thread.SpinWait(delayTicks);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public void NotifyComplete(long checkpointId)
        {
        }

        public void CheckpointEnded()
        {
        }

        public void NotifyAborted(long checkpointId)
        {
        }
    }
}
