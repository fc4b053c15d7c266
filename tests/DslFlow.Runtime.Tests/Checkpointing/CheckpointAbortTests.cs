using System.Diagnostics.Metrics;
using System.Text.Json;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Checkpointing;

/// <summary>Abort notifications and failure statistics, in the shape of Flink's NotifyCheckpointAbortedITCase.</summary>
public class CheckpointAbortTests
{
    [Fact]
    public async Task Every_reader_and_writer_hears_each_abort_once_and_tolerated_failures_keep_the_job_running()
    {
        using var directory = new TempCheckpointDirectory();
        AbortNotificationPipeline.Input = new ListeningSource(20_000);
        AbortNotificationPipeline.Output = new ListeningSink();
        var options = new PipelineOptions { BufferSize = 64, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.TolerableFailedCheckpoints = 2;
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.RetainAfterFinish = true;
        options.Checkpointing.Storage = new FailingStorage(directory.Path);
        options.Checkpointing.StatsHistorySize = 1_000; // keep checkpoints 1 and 2 in the history

        await using JobHandle job = AbortNotificationPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, job.RestartCount);
        CheckpointStats stats = job.CheckpointStats!;
        // Failed: exactly the two injected failures (a checkpoint triggered as the job ends is aborted, not failed).
        Assert.True(2 == stats.History.Count(c => c.Status == CheckpointStatus.Failed), string.Join("; ", stats.History.Where(c => c.Status != CheckpointStatus.Completed)));
        Assert.True(stats.Counts.Completed >= 1);
        CheckpointRecord first = stats.History.Single(c => c.Id == 1), second = stats.History.Single(c => c.Id == 2);
        Assert.Equal((CheckpointStatus.Failed, CheckpointFailureCategory.StorageFailed), (first.Status, first.FailureCategory));
        Assert.Contains("the metadata could not be written", first.FailureReason);
        Assert.Equal((CheckpointStatus.Failed, CheckpointFailureCategory.AsyncPhaseFailed), (second.Status, second.FailureCategory));
        Assert.Contains("the disk is full", second.FailureReason);

        CheckpointNotifications[] listeners = [.. AbortNotificationPipeline.Input.Readers, .. AbortNotificationPipeline.Output.Writers];
        Assert.Equal(4, listeners.Length);
        Assert.All(listeners, l => Assert.Equal([1L, 2L], l.Aborted));
        Assert.All(listeners, l => Assert.DoesNotContain(l.Completed, id => id <= 2));
        // A subtask that finished hears of no later checkpoint, so the latest one each heard of differs.
        Assert.All(listeners, l => Assert.Contains(l.Completed, id => id > 2));
    }

    [Fact]
    public async Task Past_the_tolerance_the_job_fails_over_through_the_restart_strategy()
    {
        using var directory = new TempCheckpointDirectory();
        AbortNotificationPipeline.Input = new ListeningSource(20_000);
        AbortNotificationPipeline.Output = new ListeningSink();
        var options = new PipelineOptions { BufferSize = 64, RestartStrategy = RestartStrategy.FixedDelay(5, TimeSpan.FromMilliseconds(10)) };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.Storage = new FailingStorage(directory.Path);
        options.Checkpointing.StatsHistorySize = 1_000;

        await using JobHandle job = AbortNotificationPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(2, job.RestartCount); // checkpoint 1 (storage) and checkpoint 2 (asynchronous phase), tolerance 0
        IReadOnlyList<CheckpointRecord> history = job.CheckpointStats!.History;
        Assert.Single(history, c => c.FailureCategory == CheckpointFailureCategory.StorageFailed);
        Assert.Single(history, c => c.FailureCategory == CheckpointFailureCategory.AsyncPhaseFailed);
        Assert.All(history.Where(c => c.Status != CheckpointStatus.Completed && c.Id > 2),
            c => Assert.Equal(CheckpointFailureCategory.JobStopped, c.FailureCategory)); // only aborted by the restarts
    }

    [Fact]
    public async Task Without_restarts_too_many_failed_checkpoints_fail_the_job_naming_the_checkpoint_and_the_reason()
    {
        using var directory = new TempCheckpointDirectory();
        AbortNotificationPipeline.Input = new ListeningSource(200_000);
        AbortNotificationPipeline.Output = new ListeningSink();
        var options = new PipelineOptions { RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.Storage = new FailingStorage(directory.Path);

        await using JobHandle job = AbortNotificationPipeline.Start(options);
        var failure = await Assert.ThrowsAsync<CheckpointFailureException>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("Checkpoint 1 failed (StorageFailed: storing it failed: injected: the metadata could not be written)", failure.Message);
        Assert.Contains("TolerableFailedCheckpoints = 0", failure.Message);
    }

    [Fact]
    public async Task Each_completed_or_failed_checkpoint_is_logged_once()
    {
        using var directory = new TempCheckpointDirectory();
        AbortNotificationPipeline.Input = new ListeningSource(10_000);
        AbortNotificationPipeline.Output = new ListeningSink();
        var logs = new CapturingLoggerFactory();
        var options = new PipelineOptions { JobName = "logged", LoggerFactory = logs, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.TolerableFailedCheckpoints = 2;
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.Storage = new FailingStorage(directory.Path);
        options.Checkpointing.StatsHistorySize = 1_000;

        await using JobHandle job = AbortNotificationPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        string[] lines = logs.Lines("DslFlow.Checkpoints");
        Assert.Single(lines, l => l.StartsWith("Warning Checkpoint 1 of job logged failed", StringComparison.Ordinal) && l.Contains("StorageFailed"));
        Assert.Single(lines, l => l.StartsWith("Warning Checkpoint 2 of job logged failed", StringComparison.Ordinal) && l.Contains("AsyncPhaseFailed"));
        CheckpointStats stats = job.CheckpointStats!;
        Assert.Equal(stats.Counts.Completed, lines.Count(l => l.StartsWith("Information Checkpoint ", StringComparison.Ordinal) && l.Contains(" completed in ")));
    }

    private sealed class CapturingLoggerFactory : Microsoft.Extensions.Logging.ILoggerFactory
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, string Line)> _lines = new();

        public string[] Lines(string category) => _lines.Where(l => l.Category == category).Select(l => l.Line).ToArray();

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

        public void AddProvider(Microsoft.Extensions.Logging.ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }

        private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, string)> lines) : Microsoft.Extensions.Logging.ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

            public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
                Exception? exception, Func<TState, Exception?, string> formatter) => lines.Enqueue((category, $"{logLevel} {formatter(state, exception)}"));
        }
    }

    [Fact]
    public async Task A_barrier_that_arrives_after_its_checkpoint_was_aborted_causes_no_snapshot()
    {
        var options = new PipelineOptions { BufferSize = 64 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(200);
        options.Checkpointing.Timeout = TimeSpan.FromMilliseconds(100);
        options.Checkpointing.TolerableFailedCheckpoints = 100;
        using var directory = new TempCheckpointDirectory();
        options.Checkpointing.Directory = directory.Path;
        bool slow = true;
        // Slow records keep the barriers queued behind buffered data until after the checkpoint expired.
        var job = new FanInJob(options, probe => probe.OnRecord = _ =>
        {
            if (Volatile.Read(ref slow))
            {
                Thread.Sleep(1);
            }
        });
        try
        {
            Eventually.True(() => job.Handle.Checkpoints.Any(c => c.Id == 1 && c.Status == CheckpointStatus.Failed), "checkpoint 1 expires");
            Eventually.True(() => job.Probe.Aborted.Contains(1), "the probe hears of the abort");
            job.Probe.NotifyCheckpointAborted(1); // a repeated abort is harmless
            Volatile.Write(ref slow, false);
            Eventually.True(() => job.Handle.Checkpoints.Any(c => c.Status == CheckpointStatus.Completed), "a later checkpoint completes");
        }
        finally
        {
            await job.Handle.DisposeAsync();
        }

        Assert.Equal(CheckpointFailureCategory.Expired, job.Handle.Checkpoints.First(c => c.Id == 1).FailureCategory);
        Assert.DoesNotContain(job.Probe.Checkpoints, c => c.Id == 1); // its barriers came later and were skipped
        Assert.Single(job.Probe.Aborted, id => id == 1);
    }

    [Fact]
    public async Task Statistics_are_written_beside_the_checkpoints_and_recorded_as_metrics()
    {
        using var directory = new TempCheckpointDirectory();
        var durations = new List<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "DslFlow" && instrument.Name == "dslflow.checkpoint.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            if (tags.ToArray().Any(t => t.Key == "job" && (string?)t.Value == "stats-job"))
            {
                lock (durations)
                {
                    durations.Add(value);
                }
            }
        });
        listener.Start();
        AbortNotificationPipeline.Input = new ListeningSource(30_000); // about 3 s at 10,000 records/s: dozens of checkpoints
        AbortNotificationPipeline.Output = new ListeningSink();
        var options = new PipelineOptions { JobName = "stats-job" };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(50);
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.StatsHistorySize = 3;

        await using JobHandle job = AbortNotificationPipeline.Start(options);
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));

        CheckpointStats stats = job.CheckpointStats!;
        Assert.True(stats.Counts.Completed >= 2, $"only {stats.Counts.Completed} checkpoints completed");
        Assert.True(stats.History.Count <= 3);
        Assert.All(stats.LatestCompleted!.Subtasks, s => Assert.False(s.Aborted));
        Assert.Equal(stats.LatestCompleted.Total, stats.LatestCompleted.Subtasks.Count);
        Assert.True(stats.LatestCompleted.StateSize > 0);
        lock (durations)
        {
            Assert.Equal(stats.Counts.Completed, durations.Count);
        }
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory.Path, job.JobName, "checkpoint-stats.json")));
        Assert.Equal(stats.Counts.Completed, json.RootElement.GetProperty("Counts").GetProperty("Completed").GetInt64());
        Assert.Equal(stats.LatestCompleted.Id, json.RootElement.GetProperty("LatestCompleted").GetProperty("Id").GetInt64());
        Assert.Equal("Completed", json.RootElement.GetProperty("LatestCompleted").GetProperty("Status").GetString());
    }
}
