using System.ComponentModel;
using DslFlow.Channels;
using Microsoft.Extensions.Logging;

namespace DslFlow.Execution;

/// <summary>Builds the tasks, gates and channels of a job graph and starts them. Called by generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class JobRunner
{
    /// <summary>Validates the options, creates the job's nodes and tasks, and starts it.</summary>
    public static JobHandle Start(JobGraph graph, PipelineOptions? options, CancellationToken cancellationToken, Action<JobBuilder> build)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(build);
        options ??= new PipelineOptions();
        options.Validate();
        int maxParallelism = options.MaxParallelism ?? graph.MaxParallelism;
        int[] parallelism = ParallelismResolver.Resolve(graph, options, maxParallelism);
        Time.WatermarkOverrides.Check(graph, options);
        CheckpointConfig? checkpointing = CheckpointConfig.Resolve(graph.Checkpointing, options.Checkpointing, out IReadOnlyList<string> warnings);
        CheckChangelog(options.Changelog, checkpointing);
        ILogger logger = options.LoggerFactory.CreateLogger("DslFlow.Job");
        foreach (string warning in warnings)
        {
            logger.LogWarning("Job {Job}: {Warning}", options.JobName ?? graph.Name, warning);
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var builder = new JobBuilder(graph, new PipelineContext(options, cancellation.Token));
            build(builder);
            builder.Verify();
            var plan = new JobPlan(graph, options, builder, parallelism, maxParallelism, checkpointing);
            return new JobHandle(plan, cancellation, cancellationToken);
        }
        catch
        {
            cancellation.Dispose();
            throw;
        }
    }

    /// <summary>The changelog needs checkpoints, exactly-once, and one checkpoint at a time (its log ranges are per checkpoint).</summary>
    private static void CheckChangelog(ChangelogOptions changelog, CheckpointConfig? checkpointing)
    {
        if (!changelog.Enabled)
        {
            return;
        }
        string? problem = checkpointing is null ? "checkpoints are off; turn them on ([Checkpointing] or PipelineOptions.Checkpointing)"
            : checkpointing.Alignment.Mode != CheckpointingMode.ExactlyOnce ? "checkpoints are at-least-once; use CheckpointingMode.ExactlyOnce"
            : checkpointing.MaxConcurrentCheckpoints > 1 ? $"MaxConcurrentCheckpoints is {checkpointing.MaxConcurrentCheckpoints}; set it to 1"
            : null;
        if (problem is not null)
        {
            throw new ArgumentException($"PipelineOptions.Changelog.Enabled is true, but {problem}: the changelog makes "
                + "exactly-once checkpoints incremental, one at a time (as in Flink), or turn Changelog.Enabled off.");
        }
    }

    /// <summary>
    /// Creates the gates, channels and tasks of one execution attempt (every restart builds them anew).
    /// <paramref name="checkpointing"/> gives each subtask, by its place in the job, what it takes checkpoints with
    /// (null when checkpoints are off).
    /// </summary>
    internal static List<StreamTask> Wire(JobPlan plan, Checkpointing.RestoredCheckpoint? restored, CancellationToken cancellation,
        Func<int, Checkpointing.TaskCheckpointing?> checkpointing)
    {
        (JobGraph graph, PipelineOptions options, JobBuilder builder, int[] parallelism, int maxParallelism, _) = plan;
        int chainCount = graph.Chains.Count;
        EdgePartitioning Resolve(EdgeInfo e)
        {
            int from = parallelism[graph.ChainOf(e.From)], to = parallelism[graph.ChainOf(e.To)];
            return e.Partitioning == EdgePartitioning.Auto
                ? (from == to ? EdgePartitioning.Auto : EdgePartitioning.Rebalance)
                : e.Partitioning;
        }

        // Channel layout of every subtask of a chain: per inbound edge, one channel (forward) or one per upstream subtask.
        var channelOffset = new Dictionary<EdgeInfo, int>(ReferenceEqualityComparer.Instance);
        var inputs = new List<TaskInput?>[chainCount];
        for (int c = 0; c < chainCount; c++)
        {
            int count = 0;
            foreach (EdgeInfo e in graph.InputsOf(c))
            {
                channelOffset[e] = count;
                count += Resolve(e) == EdgePartitioning.Auto ? 1 : parallelism[graph.ChainOf(e.From)];
            }
            inputs[c] = [];
            for (int j = 0; j < parallelism[c]; j++)
            {
                inputs[c].Add(builder.Chains[c]!.CreateInput(InputLayout(graph, c, j, parallelism, Resolve), options));
            }
        }

        var contexts = new List<TaskContext>();
        for (int c = 0; c < chainCount; c++)
        {
            IReadOnlyList<EdgeInfo> outputs = graph.OutputsOf(c);
            for (int i = 0; i < parallelism[c]; i++)
            {
                var specs = new OutputSpec[outputs.Count];
                for (int k = 0; k < outputs.Count; k++)
                {
                    EdgeInfo e = outputs[k];
                    int target = graph.ChainOf(e.To);
                    EdgePartitioning resolved = Resolve(e);
                    int offset = channelOffset[e];
                    OutputChannels channels = resolved == EdgePartitioning.Auto
                        ? builder.Chains[target]!.SelectChannels([inputs[target][i]!], [offset])
                        : builder.Chains[target]!.SelectChannels(inputs[target].ConvertAll(x => x!), Enumerable.Repeat(offset + i, parallelism[target]).ToArray());
                    specs[k] = new OutputSpec(e, resolved, channels, maxParallelism);
                }
                contexts.Add(new TaskContext(graph, c, i, parallelism[c], maxParallelism, options, builder.Context, cancellation)
                {
                    Input = inputs[c][i],
                    Checkpointing = checkpointing(contexts.Count),
                    Outputs = specs,
                    Restored = restored,
                    JobId = plan.Identity?.JobId ?? Guid.Empty,
                });
            }
        }

        var tasks = new List<StreamTask>(contexts.Count);
        foreach (TaskContext context in contexts)
        {
            tasks.Add(builder.Chains[context.ChainIndex]!.Create(context));
        }
        return tasks;
    }

    /// <summary>What each channel of subtask <paramref name="subtask"/>'s input gate carries, in channel order.</summary>
    private static InputChannelInfo[] InputLayout(JobGraph graph, int chain, int subtask, int[] parallelism, Func<EdgeInfo, EdgePartitioning> resolve)
    {
        var layout = new List<InputChannelInfo>();
        foreach (EdgeInfo e in graph.InputsOf(chain))
        {
            EdgePartitioning resolved = resolve(e);
            if (resolved == EdgePartitioning.Auto)
            {
                layout.Add(new InputChannelInfo(e.From, subtask, resolved));
                continue;
            }
            for (int u = 0; u < parallelism[graph.ChainOf(e.From)]; u++)
            {
                layout.Add(new InputChannelInfo(e.From, u, resolved));
            }
        }
        return [.. layout];
    }
}

/// <summary>What a job runs with, resolved once at start and reused by every execution attempt.</summary>
internal sealed record JobPlan(JobGraph Graph, PipelineOptions Options, JobBuilder Builder, int[] Parallelism, int MaxParallelism,
    CheckpointConfig? Checkpointing)
{
    public string JobName => Options.JobName ?? Graph.Name;

    /// <summary>The job's identity, set once at start when checkpoints are on (null without checkpoints).</summary>
    public Checkpointing.JobIdentity? Identity { get; set; }
}
