using DslFlow;
using DslFlow.Hosting;
using HostedOrders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A pipeline inside the .NET generic host: options from appsettings.json (section DslFlow:Orders), logging and
// shutdown from the host. Ctrl+C stops it with a last checkpoint; run it again and it resumes from there.
// A run with no checkpoint to resume from starts a new ledger (a finished run discards its checkpoints; its output stays).
string jobFolder = Path.Combine("checkpoints", "Orders"); // each job keeps its checkpoints in {Directory}/{JobName}
if (!Directory.Exists(jobFolder) || !Directory.EnumerateDirectories(jobFolder, "chk-*").Any())
{
    if (Directory.Exists(OrdersPipeline.OutputDirectory))
    {
        Directory.Delete(OrdersPipeline.OutputDirectory, recursive: true);
    }
}

// appsettings.json is read from beside the program; checkpoints and output go to the current directory.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddDslFlowJob("Orders", OrdersPipeline.Start).BindConfiguration("DslFlow:Orders");
builder.Services.AddHostedService<ProgressReporter>();
using IHost host = builder.Build();
await host.RunAsync();

/// <summary>Prints the job's progress every second, and stops the host when the job has read all its orders.</summary>
internal sealed class ProgressReporter(DslFlowJobs jobs, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (jobs.Get("Orders") is not { } job)
            {
                continue;
            }
            JobProgress progress = job.GetProgress();
            var last = job.CheckpointStats?.LatestCompleted;
            Console.WriteLine($"[{progress.Elapsed:mm\\:ss}] orders {progress.SourceRecords,10:N0}   ledger lines {progress.SinkRecords,10:N0}"
                + (last is null ? "" : $"   checkpoint {last.Id} in {last.Duration?.TotalMilliseconds:N0} ms{(last.IsUnaligned ? " (unaligned)" : "")}"));
            if (job.Completion.IsCompleted)
            {
                Console.WriteLine($"Done: the ledger is in ./{OrdersPipeline.OutputDirectory} ({Directory.GetFiles(OrdersPipeline.OutputDirectory, "part-*.txt").Length} compacted part files).");
                lifetime.StopApplication();
                return;
            }
        }
    }
}
