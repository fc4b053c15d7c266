namespace DslFlow;

/// <summary>What a node does.</summary>
public enum NodeKind
{
    /// <summary>Reads records from outside the job.</summary>
    Source,

    /// <summary>One output per input.</summary>
    Map,

    /// <summary>Zero or more outputs per input, returned as a sequence.</summary>
    FlatMap,

    /// <summary>Keeps some inputs.</summary>
    Filter,

    /// <summary>Zero or more outputs per input, through a collector.</summary>
    Process,

    /// <summary>Writes records outside the job.</summary>
    Sink,
}

/// <summary>How an edge distributes records (see <see cref="Partitioning"/>).</summary>
public enum EdgePartitioning
{
    /// <summary>Forward when both ends have the same parallelism at run time, otherwise rebalance.</summary>
    Auto,

    /// <summary>Round-robin per record.</summary>
    Rebalance,

    /// <summary>By key group of the downstream node's key.</summary>
    Hash,

    /// <summary>To every downstream subtask.</summary>
    Broadcast,
}

/// <summary>A node of the job graph, as declared.</summary>
/// <param name="Name">The node's name (its method name).</param>
/// <param name="Kind">What it does.</param>
/// <param name="InputType">The input record type (C# syntax), or null for a source.</param>
/// <param name="OutputType">The output record type, or null for a sink.</param>
/// <param name="Parallelism">Declared parallelism; 0 takes the pipeline default.</param>
/// <param name="KeyType">The key type of a keyed node, else null.</param>
/// <param name="States">Names of the state parameters: keyed state and operator list state.</param>
public sealed record NodeInfo(string Name, NodeKind Kind, string? InputType, string? OutputType, int Parallelism, string? KeyType, IReadOnlyList<string> States)
{
    /// <summary>True when the node has a key selector.</summary>
    public bool IsKeyed => KeyType is not null;

    /// <summary>True when the keyed node takes a <see cref="TimerService"/> (its timers are keyed state in checkpoints).</summary>
    public bool HasTimers { get; init; }

    /// <summary>
    /// A source's declared watermark strategy (its <c>[Watermarks]</c> attribute), or null when it assigns no timestamps;
    /// <see cref="PipelineOptions.Watermarks"/> overrides it.
    /// </summary>
    public Time.WatermarkStrategy? Watermarks { get; init; }

    /// <summary>
    /// For a window node's late-records output (<see cref="WindowAttribute.LateRecords"/>): the window node whose late
    /// records it carries; null for every other node. Such a node runs fused with its window node and only passes
    /// records on.
    /// </summary>
    public string? LateRecordsOf { get; init; }
}

/// <summary>An edge of the job graph.</summary>
/// <param name="From">Upstream node name.</param>
/// <param name="To">Downstream node name.</param>
/// <param name="Partitioning">How records are distributed.</param>
/// <param name="Chained">True when both nodes run fused in one task (a direct call, no channel).</param>
public sealed record EdgeInfo(string From, string To, EdgePartitioning Partitioning, bool Chained);

/// <summary>Nodes fused into one task; the first is the chain's head.</summary>
/// <param name="Name">The task's name.</param>
/// <param name="Nodes">The chained nodes, head first.</param>
public sealed record ChainInfo(string Name, IReadOnlyList<string> Nodes);

/// <summary>
/// The job graph as data, emitted by the generator: nodes, edges, partitioning, element types, parallelism and
/// the operator chains the generated code fuses.
/// </summary>
public sealed class JobGraph
{
    private readonly Dictionary<string, int> _chainOfNode = new(StringComparer.Ordinal);

    /// <summary>Creates a graph.</summary>
    public JobGraph(string name, int defaultParallelism, int maxParallelism, IReadOnlyList<NodeInfo> nodes, IReadOnlyList<EdgeInfo> edges, IReadOnlyList<ChainInfo> chains,
        CheckpointDeclaration? checkpointing = null)
    {
        Checkpointing = checkpointing;
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        DefaultParallelism = defaultParallelism;
        MaxParallelism = maxParallelism;
        Nodes = nodes ?? throw new ArgumentNullException(nameof(nodes));
        Edges = edges ?? throw new ArgumentNullException(nameof(edges));
        Chains = chains ?? throw new ArgumentNullException(nameof(chains));
        Validate(defaultParallelism, maxParallelism);
        for (int c = 0; c < chains.Count; c++)
        {
            foreach (string node in chains[c].Nodes)
            {
                if (!_chainOfNode.TryAdd(node, c))
                {
                    throw new ArgumentException($"Job graph '{name}': node '{node}' appears in more than one chain.", nameof(chains));
                }
            }
        }
    }

    private void Validate(int defaultParallelism, int maxParallelism)
    {
        if (defaultParallelism < 1 || maxParallelism < 1 || maxParallelism > 32768)
        {
            throw new ArgumentException($"Job graph '{Name}': default parallelism {defaultParallelism} must be at least 1 and max parallelism {maxParallelism} between 1 and 32768.");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (NodeInfo node in Nodes)
        {
            if (!names.Add(node.Name))
            {
                throw new ArgumentException($"Job graph '{Name}' has two nodes named '{node.Name}'.", "nodes");
            }
        }
        foreach (EdgeInfo edge in Edges)
        {
            if (!names.Contains(edge.From) || !names.Contains(edge.To))
            {
                throw new ArgumentException($"Job graph '{Name}': edge {edge.From} -> {edge.To} names a node the graph does not have.", "edges");
            }
        }
        string? unchained = Nodes.Select(n => n.Name).FirstOrDefault(n => !Chains.Any(c => c.Nodes.Contains(n)));
        if (unchained is not null)
        {
            throw new ArgumentException($"Job graph '{Name}': node '{unchained}' belongs to no chain.", "chains");
        }
    }

    /// <summary>The pipeline's <see cref="CheckpointingAttribute"/>, or null when it has none.</summary>
    public CheckpointDeclaration? Checkpointing { get; }

    /// <summary>The pipeline class name.</summary>
    public string Name { get; }

    /// <summary>Parallelism of nodes that declare none.</summary>
    public int DefaultParallelism { get; }

    /// <summary>Number of key groups.</summary>
    public int MaxParallelism { get; }

    /// <summary>The nodes, in declaration order.</summary>
    public IReadOnlyList<NodeInfo> Nodes { get; }

    /// <summary>The edges.</summary>
    public IReadOnlyList<EdgeInfo> Edges { get; }

    /// <summary>The tasks: chains of fused nodes.</summary>
    public IReadOnlyList<ChainInfo> Chains { get; }

    /// <summary>A node by name.</summary>
    public NodeInfo Node(string name) =>
        Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"The job graph '{Name}' has no node '{name}'.", nameof(name));

    /// <summary>The index of the chain that runs a node.</summary>
    public int ChainOf(string nodeName) =>
        _chainOfNode.TryGetValue(nodeName, out int c) ? c : throw new ArgumentException($"The job graph '{Name}' has no node '{nodeName}'.", nameof(nodeName));

    /// <summary>
    /// The edges between tasks that leave a chain, in graph order: a chain's output index is its position in this list.
    /// </summary>
    public IReadOnlyList<EdgeInfo> OutputsOf(int chain) =>
        Edges.Where(e => !e.Chained && ChainOf(e.From) == chain).ToList();

    /// <summary>The edges between tasks that enter a chain, in graph order.</summary>
    public IReadOnlyList<EdgeInfo> InputsOf(int chain) =>
        Edges.Where(e => !e.Chained && ChainOf(e.To) == chain).ToList();

    /// <summary>Renders the graph as text (one line per chain and edge).</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"JobGraph {Name} (default parallelism {DefaultParallelism}, max parallelism {MaxParallelism})" };
        lines.AddRange(Chains.Select(c => $"  task {c.Name}: {string.Join(" -> ", c.Nodes)}"));
        lines.AddRange(Edges.Where(e => !e.Chained).Select(e => $"  {e.From} => {e.To} [{e.Partitioning}]"));
        return string.Join(Environment.NewLine, lines);
    }
}
