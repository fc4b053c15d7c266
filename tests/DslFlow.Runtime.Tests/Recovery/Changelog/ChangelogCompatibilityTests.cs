using System.Diagnostics.Metrics;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>
/// Switching the changelog on or off between runs, and rescaling, restores the other kind's checkpoint (Flink's
/// <c>ChangelogCompatibilityITCase</c> rows for checkpoints, and the rescale ITCases): a run stops half-way after three
/// triggered checkpoints (materializing in between when the changelog is on), the next run restores and finishes, and
/// every key's value, list and map state continue exactly where the checkpoint left them.
/// </summary>
public class ChangelogCompatibilityTests
{
    private const long Records = 6_000;

    private static PipelineOptions Options(string directory, bool changelog, int parallelism,
        StateBackendKind backend = StateBackendKind.Heap, string? rocksDb = null)
    {
        var options = new PipelineOptions { JobName = "counter", RestartStrategy = RestartStrategy.None };
        options.StateBackend.Kind = backend;
        options.StateBackend.RocksDb.LocalDirectory = rocksDb;
        options.Parallelism["Numbers"] = 1;
        options.Parallelism["Count"] = parallelism;
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only triggered checkpoints
        options.Checkpointing.Directory = directory;
        options.Checkpointing.RetainedCheckpoints = 3;
        options.Changelog.Enabled = changelog;
        options.Changelog.MaterializationInterval = TimeSpan.FromMilliseconds(1); // due at every checkpoint
        return options;
    }

    [Theory]
    [InlineData(true, true, 2, 2)]
    [InlineData(true, false, 2, 2)]
    [InlineData(false, true, 2, 2)]
    [InlineData(true, true, 2, 4)]
    [InlineData(true, true, 4, 2)]
    [InlineData(true, true, 3, 7)]
    [InlineData(true, true, 7, 3)]
    public Task A_run_restores_the_previous_runs_checkpoint_whichever_kind_and_parallelism(bool changelogBefore,
        bool changelogAfter, int parallelismBefore, int parallelismAfter) =>
        RestoreAcrossRuns(changelogBefore, StateBackendKind.Heap, parallelismBefore, changelogAfter, StateBackendKind.Heap, parallelismAfter);

    /// <summary>
    /// The same across backends: the changelog over RocksDB restores its own checkpoints (rescaled too), a heap
    /// changelog's, and RocksDB's native incremental ones; its checkpoints restore a plain heap or RocksDB backend, whose
    /// states replay the log (RocksDB's writing each replayed change through to its database).
    /// </summary>
    [Theory]
    [InlineData(true, StateBackendKind.RocksDb, 2, true, StateBackendKind.RocksDb, 2, false)]
    [InlineData(true, StateBackendKind.RocksDb, 2, true, StateBackendKind.RocksDb, 2, true)]
    [InlineData(true, StateBackendKind.RocksDb, 2, true, StateBackendKind.RocksDb, 4, true)]
    [InlineData(true, StateBackendKind.RocksDb, 3, true, StateBackendKind.RocksDb, 2, false)]
    [InlineData(true, StateBackendKind.Heap, 2, true, StateBackendKind.RocksDb, 3, true)]
    [InlineData(true, StateBackendKind.Heap, 2, false, StateBackendKind.RocksDb, 2, true)]
    [InlineData(true, StateBackendKind.Heap, 2, false, StateBackendKind.RocksDb, 2, false)]
    [InlineData(true, StateBackendKind.RocksDb, 2, false, StateBackendKind.RocksDb, 3, true)]
    [InlineData(true, StateBackendKind.RocksDb, 2, false, StateBackendKind.Heap, 2, true)]
    [InlineData(false, StateBackendKind.RocksDb, 2, true, StateBackendKind.RocksDb, 2, false)]
    [InlineData(false, StateBackendKind.RocksDb, 3, true, StateBackendKind.RocksDb, 2, false)]
    public Task A_run_restores_the_previous_runs_checkpoint_across_backends(bool changelogBefore, StateBackendKind backendBefore,
        int parallelismBefore, bool changelogAfter, StateBackendKind backendAfter, int parallelismAfter, bool logOnly) =>
        RestoreAcrossRuns(changelogBefore, backendBefore, parallelismBefore, changelogAfter, backendAfter, parallelismAfter, logOnly);

    /// <param name="logOnly">The first run never materializes, so its checkpoints are the log alone (restores replay it all).</param>
    private static async Task RestoreAcrossRuns(bool changelogBefore, StateBackendKind backendBefore, int parallelismBefore,
        bool changelogAfter, StateBackendKind backendAfter, int parallelismAfter, bool logOnly = false)
    {
        using var directory = new TempCheckpointDirectory();
        using var rocksDb = new TempCheckpointDirectory();
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        PipelineOptions before = Options(directory.Path, changelogBefore, parallelismBefore, backendBefore, rocksDb.Path);
        if (logOnly)
        {
            before.Changelog.MaterializationInterval = TimeSpan.FromHours(1);
        }
        await using (JobHandle first = ChangelogCounterPipeline.Start(before))
        {
            await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            for (int i = 0; i < 3; i++)
            {
                CheckpointRecord record = await first.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
                Assert.Equal(CheckpointStatus.Completed, record.Status);
            }
            first.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => first.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        }

        ChangelogCounterPipeline.Input = new GatedSource(Records, Records); // no pause: runs to the end
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle second = ChangelogCounterPipeline.Start(Options(directory.Path, changelogAfter, parallelismAfter, backendAfter, rocksDb.Path));
        await second.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.NotNull(second.RestoredCheckpointId);
        IReadOnlyList<Counted> output = ChangelogCounterPipeline.Output.Results;
        Assert.Equal(Records / 2, output.Count); // the second half only
        foreach (IGrouping<long, Counted> key in output.GroupBy(c => c.Key))
        {
            long total = Enumerable.Range(0, (int)Records).Count(v => v % ChangelogCounterPipeline.Keys == key.Key);
            Assert.Equal(total, key.Max(c => c.Count));
            Assert.All(key, c => Assert.Equal(c.Count, c.ByParity)); // the map's counts sum to the value's
            Assert.All(key, c => Assert.Equal(Math.Min(3, c.Count), c.Recent));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_checkpoint_reports_the_bytes_it_added_beside_the_bytes_it_references(bool changelog)
    {
        using var directory = new TempCheckpointDirectory();
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        PipelineOptions options = Options(directory.Path, changelog, 2);
        options.Changelog.MaterializationInterval = TimeSpan.FromHours(1); // the log holds everything: no materialization
        await using JobHandle job = ChangelogCounterPipeline.Start(options);
        await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        List<CheckpointRecord> records = [];
        for (int i = 0; i < 3; i++)
        {
            records.Add(await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1)));
        }
        job.Cancel();

        CheckpointRecord last = records[^1]; // nothing changed since the one before it
        Assert.Equal(CheckpointStatus.Completed, last.Status);
        if (changelog)
        {
            Assert.True(last.IncrementalSize < last.FullSize, $"incremental {last.IncrementalSize}, full {last.FullSize}");
            Assert.Equal(records[0].FullSize, records[0].IncrementalSize); // the first adds everything it references
        }
        else
        {
            Assert.Equal(last.FullSize, last.IncrementalSize); // full snapshots: every file is new
        }
        Assert.True(last.FullSize > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_first_checkpoint_after_a_restore_counts_only_what_it_adds_to_the_restored_files(bool changelog)
    {
        using var directory = new TempCheckpointDirectory();
        PipelineOptions options = Options(directory.Path, changelog, 2);
        options.Changelog.MaterializationInterval = TimeSpan.FromHours(1); // the log holds everything
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using (JobHandle first = ChangelogCounterPipeline.Start(options))
        {
            await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            await first.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
            first.Cancel();
            await Assert.ThrowsAnyAsync<Exception>(() => first.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        }

        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2); // restored at the pause: stays there
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        await using JobHandle second = ChangelogCounterPipeline.Start(options);
        await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
        CheckpointRecord record = await second.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
        second.Cancel();

        Assert.Equal(1, second.RestoredCheckpointId);
        Assert.Equal(CheckpointStatus.Completed, record.Status);
        if (changelog)
        {
            Assert.True(record.IncrementalSize < record.FullSize / 2, $"incremental {record.IncrementalSize}, full {record.FullSize}");
        }
        else
        {
            Assert.Equal(record.FullSize, record.IncrementalSize); // full snapshots: every file is new
        }
    }

    [Fact]
    public async Task The_meter_counts_log_bytes_and_materializations_of_the_job()
    {
        using var directory = new TempCheckpointDirectory();
        var sums = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "DslFlow" && instrument.Name.StartsWith("dslflow.changelog.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "job" && (string?)t.Value == "changelog-meter"))
            {
                sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value);
            }
        });
        listener.Start();
        ChangelogCounterPipeline.Input = new GatedSource(Records, Records / 2);
        ChangelogCounterPipeline.Output = new CollectSink<Counted>();
        PipelineOptions options = Options(directory.Path, changelog: true, parallelism: 2);
        options.JobName = "changelog-meter";
        await using (JobHandle job = ChangelogCounterPipeline.Start(options))
        {
            await ChangelogCounterPipeline.Input.Paused.WaitAsync(TimeSpan.FromMinutes(1));
            // A materialization starts at the first checkpoint after it is due and is counted once written: checkpoint
            // until one was (bounded; each round trip takes far longer than the 1 ms interval).
            for (int i = 0; i < 200 && sums.GetValueOrDefault("dslflow.changelog.materializations.completed") == 0; i++)
            {
                await job.TriggerCheckpointAsync().WaitAsync(TimeSpan.FromMinutes(1));
            }
            listener.RecordObservableInstruments(); // the last_* gauges, while the subtasks still run
            job.Cancel();
        }

        Assert.True(sums.GetValueOrDefault("dslflow.changelog.log_bytes") > 0, string.Join(", ", sums));
        Assert.True(sums.GetValueOrDefault("dslflow.changelog.materialization.last_full_size") > 0, string.Join(", ", sums));
        Assert.True(sums.GetValueOrDefault("dslflow.changelog.materialization.last_incremental_size") > 0);
        Assert.True(sums.GetValueOrDefault("dslflow.changelog.log_files") > 0);
        Assert.True(sums.GetValueOrDefault("dslflow.changelog.materializations.completed") > 0, "a materialization is due at every checkpoint");
        Assert.True(sums.GetValueOrDefault("dslflow.changelog.materialization.size") > 0);
    }
}
