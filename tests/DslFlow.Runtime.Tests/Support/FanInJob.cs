using DslFlow.Execution;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>
/// A hand-written job (what the generator would emit): two endless sources A and B feeding one probe task M.
/// M's gate has channel 0 from A and channel 1 from B. B's values carry a tag so the probe can tell them apart.
/// </summary>
internal sealed class FanInJob
{
    public const long TagB = 1L << 40;

    public static readonly JobGraph Graph = new("FanIn", 1, 128,
        [
            new NodeInfo("A", NodeKind.Source, null, "long", 0, null, []),
            new NodeInfo("B", NodeKind.Source, null, "long", 0, null, []),
            new NodeInfo("M", NodeKind.Map, "long", "long", 0, null, []),
        ],
        [new EdgeInfo("A", "M", EdgePartitioning.Auto, false), new EdgeInfo("B", "M", EdgePartitioning.Auto, false)],
        [new ChainInfo("A", ["A"]), new ChainInfo("B", ["B"]), new ChainInfo("M", ["M"])]);

    public FanInJob(PipelineOptions options, Action<ProbeTask>? configureProbe = null)
    {
        Handle = JobRunner.Start(Graph, options, CancellationToken.None, job =>
        {
            EndlessSource a = job.CreateNode("A", _ => new EndlessSource(0));
            EndlessSource b = job.CreateNode("B", _ => new EndlessSource(TagB));
            job.SetChain(0, ChainFactory.Source(ctx => new ForwardingSourceTask(ctx, "A", a)));
            job.SetChain(1, ChainFactory.Source(ctx => new ForwardingSourceTask(ctx, "B", b)));
            job.SetChain(2, ChainFactory.OneInput<long>(ctx =>
            {
                var probe = new ProbeTask(ctx);
                configureProbe?.Invoke(probe);
                return Probe = probe;
            }));
        });
    }

    public JobHandle Handle { get; }

    public ProbeTask Probe { get; private set; } = null!;

    public StreamTask SourceA => Handle.Tasks[0];

    public StreamTask SourceB => Handle.Tasks[1];
}
