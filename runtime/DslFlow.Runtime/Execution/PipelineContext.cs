namespace DslFlow;

/// <summary>Passed to source and sink factory methods that declare a parameter of this type.</summary>
public sealed class PipelineContext
{
    internal PipelineContext(PipelineOptions options, CancellationToken cancellation)
    {
        Options = options;
        Cancellation = cancellation;
    }

    /// <summary>The job's options.</summary>
    public PipelineOptions Options { get; }

    /// <summary>The services given in <see cref="PipelineOptions.Services"/>, if any.</summary>
    public IServiceProvider? Services => Options.Services;

    /// <summary>Cancelled when the job stops.</summary>
    public CancellationToken Cancellation { get; }
}
