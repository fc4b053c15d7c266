using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Execution;

/// <summary>
/// Flink's task cancellation watchdog (<c>task.cancellation.timeout</c>): user code that never returns must not block a
/// restart or a stop for ever. The clock is fake: the tests advance it past the timeout instead of waiting.
/// </summary>
public class HungTaskTests(ITestOutputHelper output)
{
    /// <summary>Bounds a test whose job hangs (as it did before the watchdog); not the behaviour under test.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_task_that_does_not_stop_after_cancellation_is_reported_and_abandoned_and_the_restart_proceeds()
    {
        int threadsBefore = DedicatedThreadScheduler.LiveThreads;
        var hang = new HangingMap(hangAt: 0, failAt: 500); // subtask 0 hangs on its first record, then subtask 1 fails
        var (options, time, logs) = Options("hung-restart", hang, RestartStrategy.FixedDelay(1, TimeSpan.Zero), TimeSpan.FromSeconds(30));
        using var abandoned = new AbandonedCounter("hung-restart");
        JobHandle job = HungTaskPipeline.Start(options);
        try
        {
            Assert.True(hang.Hung.Wait(Guard), "subtask 0 hangs");
            await RestartPast(job, time, logs, "Task Numbers+Stall+Out (subtask 0 of parallelism 2) of job hung-restart did not stop");

            var error = Assert.Single(logs.Levels, l => l.Level == LogLevel.Error && l.Message.Contains("did not stop", StringComparison.Ordinal));
            output.WriteLine(error.Message);
            Assert.Contains("Task Numbers+Stall+Out (subtask 0 of parallelism 2) of job hung-restart did not stop within 00:00:30 after run 1 was cancelled", error.Message, StringComparison.Ordinal);
            Assert.Contains("Numbers, Stall, Out", error.Message, StringComparison.Ordinal); // what it was running
            Assert.Contains("dotnet-stack", error.Message, StringComparison.Ordinal); // where to get the stack .NET cannot capture
            Assert.Equal([("Numbers+Stall+Out", 0)], abandoned.Subtasks);
            Assert.False(hang.Returned.IsSet);

            // The restarted run wrote every record once; the hung run's writers wrote nothing.
            Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (long)i), HungTaskPipeline.Output.Writes.Where(w => w.Generation == 2).Select(w => w.Value).Order());
            Assert.DoesNotContain(HungTaskPipeline.Output.Writes, w => w.Generation == 1);

            // When the hung call returns at last, its record must not reach the sink: the run it belonged to is over.
            hang.Release.Set();
            Eventually.True(() => logs.Lines.Any(l => l.Message.Contains("stopped at last", StringComparison.Ordinal)), "the abandoned subtask stops and is released");
            Eventually.True(() => DedicatedThreadScheduler.LiveThreads == threadsBefore, "the abandoned thread ends");
            Assert.True(hang.Returned.IsSet);
            Assert.DoesNotContain(HungTaskPipeline.Output.Writes, w => w.Generation == 1);
        }
        finally
        {
            hang.Release.Set();
            await job.DisposeAsync().AsTask().WaitAsync(Guard);
        }
    }

    [Fact]
    public async Task Cancelling_a_job_whose_task_hangs_ends_it_as_cancelled_after_the_timeout()
    {
        var hang = new HangingMap(hangAt: 0, failAt: -1);
        var (options, time, logs) = Options("hung-cancel", hang, RestartStrategy.None); // default timeout: 180 s
        using var abandoned = new AbandonedCounter("hung-cancel");
        JobHandle job = HungTaskPipeline.Start(options);
        try
        {
            Assert.True(hang.Hung.Wait(Guard), "subtask 0 hangs");
            // On the fake clock the timeout passes in a few real milliseconds: a subtask merely slow to stop would be
            // abandoned too. Subtask 1 ends first, so only the hung one is running when the job is cancelled.
            Eventually.True(() => job.Tasks[1].Completion.IsCompleted, "subtask 1 read its share and finished");
            job.Cancel();
            time.Advance(TimeSpan.FromSeconds(179));
            Assert.False(job.Completion.IsCompleted); // within the timeout the job waits for the task

            AdvanceUntil(time, () => Reported(logs, "of job hung-cancel did not stop"), "subtask 0 is reported");
            // On a stopped clock: subtask 1's release must not be timed out as well.
            Assert.True(await Task.WhenAny(job.Completion, Task.Delay(Guard)) == job.Completion, "the cancelled job ends although subtask 0 still hangs");
            Assert.True(job.Completion.IsCanceled, $"the job ended {job.Completion.Status}");
            Assert.Contains(logs.Levels, l => l.Level == LogLevel.Error
                && l.Message.Contains("Task Numbers+Stall+Out (subtask 0 of parallelism 2) of job hung-cancel did not stop within 00:03:00", StringComparison.Ordinal));
            Assert.Equal([("Numbers+Stall+Out", 0)], abandoned.Subtasks);
        }
        finally
        {
            hang.Release.Set();
            await job.DisposeAsync().AsTask().WaitAsync(Guard);
        }
    }

    [Fact]
    public async Task A_release_that_hangs_is_reported_and_the_restart_proceeds()
    {
        var hang = new HangingMap(hangAt: -1, failAt: 500); // subtask 1 fails at once; both subtasks stop
        var (options, time, logs) = Options("hung-release", hang, RestartStrategy.FixedDelay(1, TimeSpan.Zero), TimeSpan.FromSeconds(30));
        var sink = HungTaskPipeline.Output = new RecordingSink(hangInFirstDispose: true);
        using var abandoned = new AbandonedCounter("hung-release");
        JobHandle job = HungTaskPipeline.Start(options);
        try
        {
            Assert.True(sink.DisposeHung.Wait(Guard), "releasing subtask 0's writer hangs");
            await RestartPast(job, time, logs, "Releasing task Numbers+Stall+Out (subtask 0 of parallelism 2) of run 1 of job hung-release did not end");

            Assert.Contains(logs.Levels, l => l.Level == LogLevel.Error && l.Message.Contains(
                "Releasing task Numbers+Stall+Out (subtask 0 of parallelism 2) of run 1 of job hung-release did not end within 00:00:30", StringComparison.Ordinal));
            Assert.Equal([("Numbers+Stall+Out", 0)], abandoned.Subtasks);
            Assert.Equal(Enumerable.Range(0, 1_000).Select(i => (long)i), sink.Writes.Where(w => w.Generation == 2).Select(w => w.Value).Order());
        }
        finally
        {
            sink.Release.Set();
            await job.DisposeAsync().AsTask().WaitAsync(Guard);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)] // Timeout.InfiniteTimeSpan
    public async Task A_zero_or_infinite_timeout_waits_for_a_hung_task_for_ever(int timeoutMs)
    {
        var hang = new HangingMap(hangAt: 0, failAt: -1);
        var (options, time, logs) = Options("hung-disabled", hang, RestartStrategy.None);
        options.TaskCancellationTimeout = TimeSpan.FromMilliseconds(timeoutMs);
        JobHandle job = HungTaskPipeline.Start(options);
        try
        {
            Assert.True(hang.Hung.Wait(Guard), "subtask 0 hangs");
            job.Cancel();
            for (int i = 0; i < 100; i++)
            {
                time.Advance(TimeSpan.FromMinutes(1));
                Thread.Sleep(1); // lets a (wrongly) armed watchdog's continuation run; no outcome depends on it
            }
            Assert.False(job.Completion.IsCompleted);

            hang.Release.Set();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion.WaitAsync(Guard));
            Assert.DoesNotContain(logs.Levels, l => l.Level == LogLevel.Error);
        }
        finally
        {
            hang.Release.Set();
            await job.DisposeAsync().AsTask().WaitAsync(Guard);
        }
    }

    [Fact]
    public void The_timeout_binds_from_configuration_and_a_negative_one_is_refused_with_the_fix()
    {
        var options = new PipelineOptions();
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Job:TaskCancellationTimeout"] = "00:00:45" })
            .Build().GetSection("Job").Bind(options);
        Assert.Equal(TimeSpan.FromSeconds(45), options.TaskCancellationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(180), new PipelineOptions().TaskCancellationTimeout);

        options.TaskCancellationTimeout = TimeSpan.FromSeconds(-5);
        var thrown = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith("PipelineOptions.TaskCancellationTimeout is -00:00:05: it must be positive (at most 49 days), or zero or Timeout.InfiniteTimeSpan to wait for ever", thrown.Message, StringComparison.Ordinal);
    }

    private static (PipelineOptions Options, FakeTimeProvider Time, ListLoggerProvider Logs) Options(string job, HangingMap hang,
        RestartStrategy restart, TimeSpan? timeout = null)
    {
        HungTaskPipeline.Records = 1_000;
        HungTaskPipeline.Hang = hang;
        HungTaskPipeline.Output = new RecordingSink();
        var time = new FakeTimeProvider();
        var logs = new ListLoggerProvider();
        var options = new PipelineOptions
        {
            JobName = job,
            BufferSize = 1, // a record the hung call returns goes straight to the sink's writer, unless it is fenced off
            TimeProvider = time,
            LoggerFactory = LoggerFactory.Create(b => b.AddProvider(logs)),
            RestartStrategy = restart,
            TaskCancellationTimeout = timeout ?? new PipelineOptions().TaskCancellationTimeout,
        };
        return (options, time, logs);
    }

    /// <summary>
    /// Once the first run is stuck, advances the clock until <paramref name="report"/> is logged, then stops the clock and
    /// waits for the restarted run to finish. The clock must stop there: the stopped subtasks' release runs under the same
    /// timeout, so a clock still ticking would abandon a release that merely takes a few real milliseconds.
    /// </summary>
    private static async Task RestartPast(JobHandle job, FakeTimeProvider time, ListLoggerProvider logs, string report)
    {
        AdvanceUntil(time, () => Reported(logs, report), $"'{report}' is logged");
        Eventually.True(() => job.RestartCount == 1, "the job restarts");
        await job.Completion.WaitAsync(Guard);
    }

    private static bool Reported(ListLoggerProvider logs, string text) =>
        logs.Levels.Any(l => l.Level == LogLevel.Error && l.Message.Contains(text, StringComparison.Ordinal));

    /// <summary>Advances the fake clock a second at a time until the condition holds (the watchdog's timer is armed on another thread).</summary>
    private static void AdvanceUntil(FakeTimeProvider time, Func<bool> condition, string what) =>
        Eventually.True(() =>
        {
            time.Advance(TimeSpan.FromSeconds(1));
            return condition();
        }, what);

    /// <summary>The <c>dslflow.task.abandoned</c> measurements of one job: (task, subtask) per abandoned subtask.</summary>
    private sealed class AbandonedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string, int)> _subtasks = new();

        public AbandonedCounter(string job)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == JobMetrics.MeterName && instrument.Name == "dslflow.task.abandoned")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                var t = tags.ToArray().ToDictionary(p => p.Key, p => p.Value);
                if ((string?)t["job"] == job)
                {
                    for (long i = 0; i < value; i++)
                    {
                        _subtasks.Enqueue(((string)t["task"]!, (int)t["subtask"]!));
                    }
                }
            });
            _listener.Start();
        }

        public IReadOnlyList<(string, int)> Subtasks => [.. _subtasks];

        public void Dispose() => _listener.Dispose();
    }
}
