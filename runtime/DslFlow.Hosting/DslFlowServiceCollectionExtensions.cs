using DslFlow;
using DslFlow.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers DslFlow pipelines as hosted services.</summary>
public static class DslFlowServiceCollectionExtensions
{
    /// <summary>
    /// Runs a pipeline while the host runs. Its <see cref="PipelineOptions"/> are the named options
    /// <paramref name="name"/>: bind them from configuration with the returned builder
    /// (<c>.BindConfiguration("DslFlow:WordCount")</c>) or configure them in code. The job logs through the host's
    /// <see cref="ILoggerFactory"/> and passes the service provider to node factories (<see cref="PipelineContext"/>);
    /// <see cref="DslFlowJobs"/> gives its <see cref="JobHandle"/>. Stopping the host cancels the job; a job that fails
    /// for good (its restart strategy exhausted) stops the host.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="name">The job's name: its options' name, its <see cref="PipelineOptions.JobName"/> unless set, and its key in <see cref="DslFlowJobs"/>.</param>
    /// <param name="start">The pipeline's generated <c>Start</c> method, for example <c>WordCountPipeline.Start</c>.</param>
    /// <returns>The builder of the job's options.</returns>
    /// <exception cref="InvalidOperationException">A job with this name is already registered.</exception>
    public static OptionsBuilder<PipelineOptions> AddDslFlowJob(this IServiceCollection services, string name,
        Func<PipelineOptions, CancellationToken, JobHandle> start)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(start);
        if (services.Any(d => d.ServiceType == typeof(JobRegistration) && d.ImplementationInstance is JobRegistration r && r.Name == name))
        {
            throw new InvalidOperationException($"A DslFlow job named '{name}' is already registered. Give each job its own name.");
        }
        var registration = new JobRegistration(name, start);
        services.AddSingleton(registration);
        services.TryAddSingleton<DslFlowJobs>();
        services.AddSingleton<IHostedService>(provider => new PipelineHostedService(
            registration,
            provider.GetRequiredService<IOptionsMonitor<PipelineOptions>>(),
            provider.GetRequiredService<DslFlowJobs>(),
            provider,
            provider.GetService<ILoggerFactory>(),
            provider.GetService<IHostApplicationLifetime>()));
        return services.AddOptions<PipelineOptions>(name);
    }
}
