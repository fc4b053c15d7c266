using DslFlow.Checkpointing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DslFlow.Hosting;

/// <summary>
/// Runs one pipeline for the lifetime of the host: started in the host's <c>StartAsync</c> (so invalid options fail
/// the host's start with the option's message), cancelled when the host stops, and stopping the host when the job
/// fails for good. A plain <see cref="IHostedService"/>: a <see cref="BackgroundService"/> would start the job on
/// another thread, after the host reported it started.
/// </summary>
internal sealed class PipelineHostedService(
    JobRegistration registration,
    IOptionsMonitor<PipelineOptions> options,
    DslFlowJobs jobs,
    IServiceProvider services,
    ILoggerFactory? loggerFactory,
    IHostApplicationLifetime? lifetime) : IHostedService, IDisposable
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("DslFlow.Hosting");
    private readonly CancellationTokenSource _stopping = new();
    private JobHandle? _job;
    private Task _watch = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The monitor's cached instance: the job name, logger factory and services filled in here stay on it.
        PipelineOptions configured = options.Get(registration.Name);
        configured.JobName ??= registration.Name;
        if (configured.LoggerFactory is NullLoggerFactory && loggerFactory is not null)
        {
            configured.LoggerFactory = loggerFactory;
        }
        configured.Services ??= services;
        _job = registration.Start(configured, _stopping.Token);
        jobs.Set(registration.Name, _job);
        _watch = WatchAsync(_job);
        return Task.CompletedTask;
    }

    private async Task WatchAsync(JobHandle job)
    {
        try
        {
            JobResult result = await job.Completion.ConfigureAwait(false);
            _logger.LogInformation("DslFlow job {Job} finished after {Duration}", registration.Name, result.Duration);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The host is stopping: the job was cancelled on purpose.
        }
        catch (OperationCanceledException)
        {
            _logger.LogInformation("DslFlow job {Job} was cancelled; the host keeps running", registration.Name); // JobHandle.Cancel()
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "DslFlow job {Job} failed; stopping the host", registration.Name);
            lifetime?.StopApplication();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_job is null)
        {
            return;
        }
        if (_job.CheckpointConfig is not null && !_job.Completion.IsCompleted)
        {
            await TryLastCheckpointAsync(_job, cancellationToken).ConfigureAwait(false);
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _watch.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _logger.LogWarning("DslFlow job {Job} did not stop within the host's shutdown timeout", registration.Name);
            return;
        }
        await _job.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A checkpointed job takes one last checkpoint before it is cancelled, so the next start replays as little as
    /// possible; if it fails or the host's shutdown timeout comes first, the job is cancelled anyway (nothing is lost).
    /// </summary>
    private async Task TryLastCheckpointAsync(JobHandle job, CancellationToken cancellationToken)
    {
        try
        {
            CheckpointRecord record = await job.TriggerCheckpointAsync(cancellationToken).ConfigureAwait(false);
            if (record.Status == CheckpointStatus.Completed)
            {
                _logger.LogInformation("DslFlow job {Job} took checkpoint {Checkpoint} before stopping", registration.Name, record.Id);
            }
            else
            {
                _logger.LogWarning("DslFlow job {Job} stops without a last checkpoint: checkpoint {Checkpoint} {Status} ({Reason})",
                    registration.Name, record.Id, record.Status, record.FailureReason);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            _logger.LogWarning("DslFlow job {Job} stops without a last checkpoint: {Reason}", registration.Name, ex.Message);
        }
    }

    public void Dispose() => _stopping.Dispose();
}

/// <summary>One job the host runs: its name (also the name of its options) and the generated <c>Start</c> method.</summary>
internal sealed record JobRegistration(string Name, Func<PipelineOptions, CancellationToken, JobHandle> Start);
