using System.Collections.Concurrent;
using DslFlow.Hosting;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Hosting;

/// <summary>Pipelines in the .NET generic host: options from configuration, logging from DI, cancellation on shutdown.</summary>
public class HostingTests
{
    private static IHost Build(Dictionary<string, string?> settings, ILoggerProvider? logs = null)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.Services.AddDslFlowJob("Numbers", HostedPipeline.Start).BindConfiguration("DslFlow:Numbers");
        return builder.Build();
    }

    [Fact]
    public async Task The_job_runs_with_options_bound_from_configuration_and_logs_through_the_host()
    {
        using var directory = new TempCheckpointDirectory();
        HostedPipeline.Records = 20_000;
        HostedPipeline.RecordsPerSecond = null;
        HostedPipeline.Output = new CollectSink<long>();
        var logs = new ListLoggerProvider();
        using IHost host = Build(new()
        {
            ["DslFlow:Numbers:DefaultParallelism"] = "3",
            ["DslFlow:Numbers:BufferSize"] = "64",
            ["DslFlow:Numbers:Checkpointing:Interval"] = "00:00:00.050",
            ["DslFlow:Numbers:Checkpointing:Directory"] = directory.Path,
            ["DslFlow:Numbers:BufferDebloat:Enabled"] = "true",
        }, logs);

        await host.StartAsync();
        JobHandle job = host.Services.GetRequiredService<DslFlowJobs>().Get("Numbers")!;
        await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        JobProgress progress = job.GetProgress();
        await host.StopAsync();

        Assert.Equal("Numbers", job.JobName);
        Assert.Equal(TimeSpan.FromMilliseconds(50), job.CheckpointConfig!.Interval);
        Assert.Equal(6, progress.Tasks.Count); // source and map chains, 3 subtasks each
        Assert.All(progress.Tasks.Where(t => !t.IsSource), t => Assert.NotNull(t.InputBufferSize)); // debloating on
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => 2L * i), HostedPipeline.Output.Results.Order());
        Assert.Contains(logs.Lines, line => line.Category.StartsWith("DslFlow", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Message.Contains("DslFlow job Numbers finished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_invalid_setting_fails_the_hosts_start_with_the_options_message()
    {
        using IHost host = Build(new() { ["DslFlow:Numbers:DefaultParallelism"] = "0" });

        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => host.StartAsync());
        Assert.StartsWith("PipelineOptions.DefaultParallelism is 0: it must be at least 1.", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_host_cancels_the_running_job()
    {
        HostedPipeline.Records = long.MaxValue / 4;
        HostedPipeline.RecordsPerSecond = 2_000;
        HostedPipeline.Output = new CollectSink<long>();
        using IHost host = Build(new());

        await host.StartAsync();
        JobHandle job = host.Services.GetRequiredService<DslFlowJobs>().Get("Numbers")!;
        Eventually.True(() => job.GetProgress().SourceRecords > 0, "the job runs");
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(job.Completion.IsCanceled, $"the job ended {job.Completion.Status}");
    }

    [Fact]
    public async Task Cancelling_the_job_through_the_registry_keeps_the_host_running()
    {
        HostedPipeline.Records = long.MaxValue / 4;
        HostedPipeline.RecordsPerSecond = 2_000;
        HostedPipeline.Output = new CollectSink<long>();
        var logs = new ListLoggerProvider();
        using IHost host = Build(new(), logs);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        await host.StartAsync();
        JobHandle job = host.Services.GetRequiredService<DslFlowJobs>().Get("Numbers")!;
        job.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion);
        Eventually.True(() => logs.Lines.Any(l => l.Message.Contains("was cancelled; the host keeps running", StringComparison.Ordinal)),
            "the host service saw the cancellation");

        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host was asked to stop");
        await host.StopAsync();
    }

    [Fact]
    public async Task Stopping_the_host_takes_a_last_checkpoint_that_the_next_start_resumes_from()
    {
        using var directory = new TempCheckpointDirectory();
        HostedPipeline.Records = long.MaxValue / 4;
        HostedPipeline.RecordsPerSecond = 5_000;
        HostedPipeline.Output = new CollectSink<long>();
        var settings = new Dictionary<string, string?>
        {
            ["DslFlow:Numbers:Checkpointing:Interval"] = "01:00:00",
            ["DslFlow:Numbers:Checkpointing:Directory"] = directory.Path,
        };
        var logs = new ListLoggerProvider();
        long stoppedAt;
        using (IHost host = Build(settings, logs))
        {
            await host.StartAsync();
            JobHandle job = host.Services.GetRequiredService<DslFlowJobs>().Get("Numbers")!;
            Eventually.True(() => job.GetProgress().SourceRecords > 0, "the job runs");
            await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
            stoppedAt = Assert.IsType<long>(job.CheckpointStats!.LatestCompleted?.Id);
        }
        Assert.Contains(logs.Lines, l => l.Message.Contains($"took checkpoint {stoppedAt} before stopping", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("host keeps running", StringComparison.Ordinal));

        using (IHost again = Build(settings))
        {
            await again.StartAsync();
            Assert.Equal(stoppedAt, again.Services.GetRequiredService<DslFlowJobs>().Get("Numbers")!.RestoredCheckpointId);
            await again.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    [Fact]
    public void Two_jobs_with_one_name_are_refused()
    {
        var services = new ServiceCollection();
        services.AddDslFlowJob("Numbers", HostedPipeline.Start);

        var thrown = Assert.Throws<InvalidOperationException>(() => services.AddDslFlowJob("Numbers", HostedPipeline.Start));
        Assert.Contains("'Numbers' is already registered", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_hosted_jobs_with_one_checkpoint_directory_keep_their_checkpoints_in_their_own_folders()
    {
        using var directory = new TempCheckpointDirectory();
        HostedPipeline.Records = 5_000;
        HostedPipeline.RecordsPerSecond = null;
        HostedPipeline.Output = new CollectSink<long>();
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DslFlow:One:Checkpointing:Interval"] = "00:00:00.050",
            ["DslFlow:One:Checkpointing:Directory"] = directory.Path,
            ["DslFlow:One:Checkpointing:RetainAfterFinish"] = "true",
            ["DslFlow:Two:Checkpointing:Interval"] = "00:00:00.050",
            ["DslFlow:Two:Checkpointing:Directory"] = directory.Path,
            ["DslFlow:Two:Checkpointing:RetainAfterFinish"] = "true",
        });
        builder.Services.AddDslFlowJob("One", HostedPipeline.Start).BindConfiguration("DslFlow:One");
        builder.Services.AddDslFlowJob("Two", HostedPipeline.Start).BindConfiguration("DslFlow:Two");
        using IHost host = builder.Build();

        await host.StartAsync();
        DslFlowJobs jobs = host.Services.GetRequiredService<DslFlowJobs>();
        await Task.WhenAll(jobs.Get("One")!.Completion, jobs.Get("Two")!.Completion).WaitAsync(TimeSpan.FromMinutes(1));
        await host.StopAsync();

        Assert.Equal(["One", "Two"], Directory.GetDirectories(directory.Path).Select(Path.GetFileName).Order());
        foreach (string job in new[] { "One", "Two" })
        {
            Assert.NotEmpty(Directory.GetDirectories(Path.Combine(directory.Path, job), "chk-*"));
        }
        Assert.All(new[] { "One", "Two" }, job => Assert.True(jobs.Get(job)!.Completion.IsCompletedSuccessfully));
    }
}
