using DslFlow.Execution;
using DslFlow.Runtime.Tests.Support;

namespace DslFlow.Runtime.Tests.Execution;

public class FailureTests
{
    [Fact]
    public async Task An_exception_in_user_code_fails_the_job_with_node_subtask_and_record_and_cancels_every_task()
    {
        int threadsBefore = DedicatedThreadScheduler.LiveThreads;
        var job = new FanInJob(new PipelineOptions { BufferSize = 32 }, probe => probe.OnRecord = r =>
        {
            if (r == 5_000)
            {
                throw new InvalidOperationException("bad record");
            }
        });

        PipelineExecutionException failure = await Assert.ThrowsAsync<PipelineExecutionException>(() => job.Handle.Completion);

        Assert.Equal("Probe", failure.NodeName);
        Assert.Equal(0, failure.SubtaskIndex);
        Assert.Equal("5000", failure.Record);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        Assert.Contains("Node 'Probe' (subtask 0 of parallelism 1) failed on record 5000: InvalidOperationException: bad record", failure.Message);
        Assert.All(job.Handle.Tasks, t => Assert.True(t.Completion.IsCompleted));
        Assert.Equal(threadsBefore, DedicatedThreadScheduler.LiveThreads);
    }

    [Fact]
    public async Task Cancelling_with_the_callers_token_stops_every_task_and_leaks_no_thread()
    {
        int threadsBefore = DedicatedThreadScheduler.LiveThreads;
        var job = new FanInJob(new PipelineOptions());
        Eventually.True(() => job.Probe is not null && job.Probe.Processed > 1_000, "records flow");
        await job.Handle.DisposeAsync();

        Assert.True(job.Handle.Completion.IsCanceled);
        Assert.All(job.Handle.Tasks, t => Assert.True(t.Completion.IsCompleted));
        Assert.Equal(threadsBefore, DedicatedThreadScheduler.LiveThreads);
    }

    [Fact]
    public async Task User_code_that_honours_the_cancellation_token_ends_the_job_as_cancelled_not_failed()
    {
        FanInJob job = null!;
        job = new FanInJob(new PipelineOptions { BufferSize = 32 }, probe => probe.OnRecord = _ => probe.Context.Cancellation.ThrowIfCancellationRequested());
        Eventually.True(() => job.Probe is not null && job.Probe.Processed > 1_000, "records flow");

        job.Handle.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Handle.Completion);
        Assert.True(job.Handle.Completion.IsCanceled);
    }

    [Fact]
    public void Invalid_options_fail_at_start_with_the_setting_and_the_fix()
    {
        var e = Assert.Throws<ArgumentException>(() => new FanInJob(new PipelineOptions { BufferSize = 0 }));
        Assert.Contains("PipelineOptions.BufferSize is 0: it must be at least 1 record", e.Message);
        var p = new PipelineOptions();
        p.Parallelism["Nope"] = 2;
        e = Assert.Throws<ArgumentException>(() => new FanInJob(p));
        Assert.Contains("names node 'Nope', which pipeline 'FanIn' does not have. Its nodes are: A, B, M.", e.Message);
    }
}
