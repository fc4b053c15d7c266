using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Planning;

namespace DslFlow.Generator.Emit;

/// <summary>The members of one generated chain class: its writers, chained sinks, state tables, operator states and collectors.</summary>
internal sealed class ChainLayout
{
    public ChainLayout(PipelineModel model, PipelinePlan plan, int index)
    {
        Model = model;
        Plan = plan;
        Index = index;
        Chain = plan.Chains[index];
        Nodes = Chain.Nodes.Select(n => model.Node(n)!).ToList();
        foreach (NodeModel node in Nodes)
        {
            if (node.Kind == NodeKind.Sink)
            {
                SinkIndex[node.Name] = Sinks.Count;
                Sinks.Add(node);
            }
            foreach (ParameterModel parameter in node.Parameters)
            {
                if (parameter.IsKeyedState)
                {
                    StateIndex[(node.Name, parameter.Name)] = States.Count;
                    States.Add((node, parameter));
                }
                else if (parameter.IsOperatorState)
                {
                    OperatorStateIndex[(node.Name, parameter.Name)] = OperatorStates.Count;
                    OperatorStates.Add((node, parameter));
                }
                else if (parameter.Kind == ParameterKind.Collector)
                {
                    CollectorIndex[node.Name] = Collectors.Count;
                    Collectors.Add((node, parameter));
                }
            }
        }
        for (int k = 0; k < Chain.Outputs.Count; k++)
        {
            OutputIndex[Chain.Outputs[k]] = k;
        }
    }

    public PipelineModel Model { get; }

    public PipelinePlan Plan { get; }

    public int Index { get; }

    public ChainModel Chain { get; }

    /// <summary>
    /// The generated class's name, saying what it runs (it shows in stack traces): <c>__Chain_</c> and the chain's
    /// node names joined with <c>_</c>, for example <c>__Chain_Count_Milestones_Out</c>.
    /// </summary>
    public string ClassName => ClassNameOf(Plan, Index);

    /// <summary>Longest class name before it is cut and the chain index appended.</summary>
    internal const int MaxClassNameLength = 100;

    /// <summary>
    /// The class name of chain <paramref name="index"/>. Node names are method names, so the result is an identifier.
    /// A name longer than <see cref="MaxClassNameLength"/> is cut and gets the chain index appended, as does a name
    /// that another chain of the plan would also get, so the names stay unique.
    /// </summary>
    public static string ClassNameOf(PipelinePlan plan, int index)
    {
        string name = PlainName(plan.Chains[index], index);
        for (int other = 0; other < plan.Chains.Count; other++)
        {
            if (other != index && PlainName(plan.Chains[other], other) == name)
            {
                return name + "_" + index;
            }
        }
        return name;
    }

    private static string PlainName(ChainModel chain, int index)
    {
        string name = "__Chain_" + string.Join("_", chain.Nodes);
        if (name.Length <= MaxClassNameLength)
        {
            return name;
        }
        string suffix = "__" + index;
        return name.Substring(0, MaxClassNameLength - suffix.Length) + suffix;
    }

    public List<NodeModel> Nodes { get; }

    public NodeModel Head => Nodes[0];

    public bool IsSourceChain => Head.Kind == NodeKind.Source;

    /// <summary>The record type the chain's loop reads: the source's output or the head's input.</summary>
    public string RecordType => IsSourceChain ? Head.Output!.FullName : Head.Input!.FullName;

    public List<NodeModel> Sinks { get; } = [];

    public Dictionary<string, int> SinkIndex { get; } = [];

    public List<(NodeModel Node, ParameterModel Parameter)> States { get; } = [];

    public Dictionary<(string Node, string Parameter), int> StateIndex { get; } = [];

    /// <summary>Operator list states of the chain's nodes: one per node and parameter, even when nodes share the task.</summary>
    public List<(NodeModel Node, ParameterModel Parameter)> OperatorStates { get; } = [];

    public Dictionary<(string Node, string Parameter), int> OperatorStateIndex { get; } = [];

    public List<(NodeModel Node, ParameterModel Parameter)> Collectors { get; } = [];

    public Dictionary<string, int> CollectorIndex { get; } = [];

    /// <summary>Edge index (in the plan) to output index (of this chain).</summary>
    public Dictionary<int, int> OutputIndex { get; } = [];

    /// <summary>The record type an edge carries: what its upstream produces.</summary>
    public string EdgeType(EdgeModel edge) => Model.Node(edge.From)!.Output!.FullName;

    public string WriterType(EdgeModel edge) => edge.Partitioning switch
    {
        EdgeKind.Hash => $"global::DslFlow.Execution.KeyGroupWriter<{EdgeType(edge)}>",
        EdgeKind.Broadcast => $"global::DslFlow.Execution.BroadcastWriter<{EdgeType(edge)}>",
        _ => $"global::DslFlow.Execution.ChannelWriter<{EdgeType(edge)}>",
    };

    public string WriterFactory(EdgeModel edge) => edge.Partitioning switch
    {
        EdgeKind.Hash => $"CreateKeyGroupWriter<{EdgeType(edge)}>",
        EdgeKind.Broadcast => $"CreateBroadcastWriter<{EdgeType(edge)}>",
        _ => $"CreateWriter<{EdgeType(edge)}>",
    };

    /// <summary>A direct call of a node method, passing the record and this chain's state facades and collector.</summary>
    public string Call(NodeModel node, string record)
    {
        if (node.Window is { } window)
        {
            string key = node.KeyBy!.KeyIsNullable ? "key!" : "key";
            string time = window.TimestampMethod is { } timestamp ? $"{Method(timestamp)}({record})" : "0L";
            return $"{WindowField}.OnElement({key}, {record}, {time}, _state{StateIndex[(node.Name, WindowModel.StateName)]}, "
                + $"{TimersField}, _collector{CollectorIndex[node.Name]}, {(ReadLateRecords(node) is null ? "null" : LateField)})";
        }
        IEnumerable<string> arguments = node.Parameters.Select(p => p.Kind switch
        {
            ParameterKind.Record => record,
            ParameterKind.Collector => "_collector" + CollectorIndex[node.Name],
            ParameterKind.OperatorListState => "_operatorState" + OperatorStateIndex[(node.Name, p.Name)],
            ParameterKind.TimerService => TimersField,
            _ => "_state" + StateIndex[(node.Name, p.Name)],
        });
        return $"{Method(node.Name)}({string.Join(", ", arguments)})";
    }

    /// <summary>
    /// The node whose outputs carry the task's event time: the chain's head when it has <c>[Watermarks]</c> (a node with
    /// it always heads its chain), or null when the task assigns no timestamps.
    /// </summary>
    public NodeModel? Assigner => Head.Watermarks is not null ? Head : null;

    /// <summary>The head's timers (a keyed node heads its chain), or null when it has none.</summary>
    public NodeModel? TimerNode => !IsSourceChain && Head.HasTimers && Head.KeyBy is not null ? Head : null;

    /// <summary>The field holding the head's <c>KeyedTimers</c>.</summary>
    public const string TimersField = "_timers0";

    /// <summary>The generated method a fired timer runs: the head's <c>[OnTimer]</c> handler and the chain after it.</summary>
    public const string TimerMethod = "OnTimer0";

    /// <summary>A direct call of the head's <c>[OnTimer]</c> handler with the fired timer's time, key and domain.</summary>
    public string TimerCall(NodeModel node, OnTimerModel handler, string key)
    {
        if (node.Window is not null)
        {
            return $"{WindowField}.OnTimer({key}, time, domain, _state{StateIndex[(node.Name, WindowModel.StateName)]}, _collector{CollectorIndex[node.Name]})";
        }
        IEnumerable<string> arguments = handler.Arguments.Select(a => a.Kind switch
        {
            TimerArgumentKind.Time => "time",
            TimerArgumentKind.Key => key,
            TimerArgumentKind.Domain => "domain",
            TimerArgumentKind.Collector => "_collector" + CollectorIndex[node.Name],
            TimerArgumentKind.Timers => TimersField,
            _ => "_state" + StateIndex[(node.Name, a.State!)],
        });
        return $"{Method(handler.MethodName)}({string.Join(", ", arguments)})";
    }

    /// <summary>The head when it is a <c>[Window]</c> node (a keyed node heads its chain), or null.</summary>
    public NodeModel? WindowNode => TimerNode is { Window: not null } windowed ? windowed : null;

    /// <summary>The field holding the head's <c>WindowOperator</c>.</summary>
    public const string WindowField = "_window0";

    /// <summary>The collector of the window node's late records, when its late-records output is read.</summary>
    public const string LateField = "_late0";

    /// <summary>
    /// The late-records output of a window node when some node reads it, else null (its late records are then dropped
    /// and counted, as without one). It is fused with the window node, so it is in this chain.
    /// </summary>
    public NodeModel? ReadLateRecords(NodeModel node) =>
        node.Window?.LateRecords is { } name && Model.Node(name) is { } late && ChainPlanner.EdgesFrom(Plan, late.Name).Any() ? late : null;

    /// <summary>The edges carrying a node's results: a window node's edge to its late-records output carries none.</summary>
    public IEnumerable<(int Index, EdgeModel Edge)> ResultEdgesFrom(NodeModel node) =>
        ChainPlanner.EdgesFrom(Plan, node.Name).Where(e => Model.Node(e.Edge.To)!.LateRecordsOf != node.Name);

    public string WindowOperatorType(NodeModel node) =>
        $"global::DslFlow.WindowOperator<{node.KeyBy!.KeyType.FullName}, {node.Input!.FullName}, {node.Window!.Accumulator.FullName}, {node.Output!.FullName}>";

    /// <summary>The window node's operator: its assigner, domain, lateness and the pipeline's methods as static lambdas.</summary>
    public string NewWindowOperator(NodeModel node)
    {
        WindowModel window = node.Window!;
        string name = CodeText.Literal(node.Name);
        string assigner = window.GapMs > 0 ? $"global::DslFlow.WindowAssigner.Session({name}, {window.GapMs}L)"
            : window.SlideMs == window.SizeMs ? $"global::DslFlow.WindowAssigner.Tumbling({name}, {window.SizeMs}L)"
            : $"global::DslFlow.WindowAssigner.Sliding({name}, {window.SizeMs}L, {window.SlideMs}L)";
        string domain = window.ProcessingTime ? "global::DslFlow.TimeDomain.ProcessingTime" : "global::DslFlow.TimeDomain.EventTime";
        string result = Method(window.ResultMethod);
        (string add, string merge, string fire) = window.Function switch
        {
            WindowFunction.Aggregate => ($"static (accumulator, record) => {Method(node.Name)}(record, accumulator)",
                window.MergeMethod is { } m ? $"static (a, b) => {Method(m)}(a, b)" : "null",
                $"static (key, window, accumulator, output) => output.Emit({result}(key, window, accumulator))"),
            WindowFunction.ElementsReturning => (ElementsAdd, ElementsConcat,
                $"static (key, window, elements, output) => output.Emit({result}(key, window, elements))"),
            _ => (ElementsAdd, ElementsConcat, $"static (key, window, elements, output) => {result}(key, window, elements, output)"),
        };
        return $"new {WindowOperatorType(node)}({name}, {assigner}, {domain}, {window.AllowedLatenessMs}L, {add}, {merge}, {fire})";
    }

    private const string ElementsAdd = "static (elements, record) => global::DslFlow.WindowElements.Add(elements, record)";

    private const string ElementsConcat = "static (a, b) => global::DslFlow.WindowElements.Concat(a, b)";

    public string Method(string name) => $"{Model.FullyQualifiedName}.{CodeText.Identifier(name)}";
}
