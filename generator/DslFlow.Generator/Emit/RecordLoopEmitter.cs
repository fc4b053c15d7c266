using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Planning;

namespace DslFlow.Generator.Emit;

/// <summary>
/// Writes <c>ProcessRecords</c>: one loop over the buffer that calls every fused node directly (no delegates),
/// nesting rather than jumping (a filter is an <c>if</c>, a flat map a <c>foreach</c>), and remembering in
/// <c>stage</c> which node runs so a failure names the node and the record it was given.
/// </summary>
internal sealed class RecordLoopEmitter
{
    private readonly ChainLayout _chain;
    private readonly SourceWriter _body = new();
    private readonly List<(string Type, string Name)> _locals = [];
    private readonly List<(int Stage, string Node, string Record)> _arms = [];
    private int _nextStage = 1;
    private bool _usesMaxParallelism;

    private RecordLoopEmitter(ChainLayout chain) => _chain = chain;

    public static void Emit(SourceWriter w, ChainLayout chain) => new RecordLoopEmitter(chain).Write(w);

    /// <summary>
    /// Writes the method a fired timer runs (<see cref="ChainLayout.TimerMethod"/>): the head's state pointed at the
    /// timer's key, its <c>[OnTimer]</c> handler called, and what it emitted passed down the chain like the node's own
    /// outputs; a failure names the node and the timer.
    /// </summary>
    public static void EmitTimerHandler(SourceWriter w, ChainLayout chain) => new RecordLoopEmitter(chain).WriteTimerHandler(w);

    private void WriteTimerHandler(SourceWriter w)
    {
        NodeModel node = _chain.TimerNode!;
        OnTimerModel handler = node.OnTimer!;
        _usesMaxParallelism = true;
        int stage = _nextStage++;
        _arms.Add((stage, node.Name, "TimerDescription(key, time, domain)"));
        _body.WriteLine($"stage = {stage};");
        _body.WriteLine("int keyGroup = global::DslFlow.KeyGroups.Assign(keyHash, maxParallelism);");
        foreach (ParameterModel state in node.Parameters.Where(p => p.IsKeyedState))
        {
            int s = _chain.StateIndex[(node.Name, state.Name)];
            _body.WriteLine(StateStorage.Select(state, $"_state{s}", $"_table{s}", "key", "keyHash", "keyGroup"));
        }
        string collector = "_collector" + _chain.CollectorIndex[node.Name];
        _body.WriteLine($"{collector}.Clear();");
        _body.WriteLine($"{_chain.TimerCall(node, handler, "key")};");
        if (_chain.ResultEdgesFrom(node).Any() && handler.Arguments.Any(a => a.Kind == TimerArgumentKind.Collector))
        {
            string emitted = NewLocal(node.Output!.FullName);
            _body.OpenBlock($"foreach (var item{stage} in {collector}.Emitted)");
            _body.WriteLine($"{emitted} = item{stage};");
            EmitDownstream(node, emitted);
            _body.CloseBlock();
        }
        _body.WriteLine($"{collector}.Clear();");

        bool eventTime = _chain.Assigner is { Kind: not NodeKind.Source };
        if (eventTime)
        {
            _body.WriteLine("OnEventTime(eventTime, 0); // the timer's outputs passed the chain's timestamp assigner");
        }
        w.OpenBlock($"private void {ChainLayout.TimerMethod}({node.KeyBy!.KeyType.FullName} key, int keyHash, long time, global::DslFlow.TimeDomain domain)");
        if (eventTime)
        {
            w.WriteLine("long eventTime = long.MinValue;");
        }
        WriteLocals(w);
        w.OpenBlock("try");
        WriteBody(w);
        w.CloseBlock();
        WriteCatch(w, $"Failure(ex, {CodeText.Literal(node.Name)}, TimerDescription(key, time, domain))");
        w.CloseBlock();
    }

    /// <summary>The stage, the max parallelism and the record locals the body uses.</summary>
    private void WriteLocals(SourceWriter w)
    {
        if (_arms.Count > 0)
        {
            w.WriteLine("int stage = 0;");
        }
        if (_usesMaxParallelism)
        {
            w.WriteLine("int maxParallelism = Context.MaxParallelism;");
        }
        foreach ((string type, string name) in _locals)
        {
            w.WriteLine($"{type} {name} = default!;");
        }
    }

    private void WriteBody(SourceWriter w)
    {
        foreach (string line in _body.ToString().TrimEnd('\n').Split('\n'))
        {
            w.WriteLine(line);
        }
    }

    /// <summary>The catch that names the node whose stage failed, with the record it was given.</summary>
    private void WriteCatch(SourceWriter w, string otherwise)
    {
        w.OpenBlock("catch (global::System.Exception ex)");
        if (_arms.Count == 0)
        {
            w.WriteLine($"throw {otherwise};");
        }
        else
        {
            w.OpenBlock("throw stage switch");
            foreach ((int stage, string node, string record) in _arms)
            {
                w.WriteLine($"{stage} => Failure(ex, {CodeText.Literal(node)}, {record}),");
            }
            w.WriteLine($"_ => {otherwise},");
            w.CloseBlock(";");
        }
        w.CloseBlock();
    }

    private void Write(SourceWriter w)
    {
        string signature = $"protected override int ProcessRecords({_chain.RecordType}[] records, int start, int end)";
        bool hasWork = !_chain.IsSourceChain || ChainPlanner.EdgesFrom(_chain.Plan, _chain.Head.Name).Any();
        if (!hasWork)
        {
            w.WriteLine(signature + " => end; // the source feeds no node");
            return;
        }

        _locals.Add((_chain.RecordType, "r0"));
        _body.WriteLine("r0 = records[i];");
        if (_chain.IsSourceChain && _chain.Assigner == _chain.Head)
        {
            TrackTimestamp(_chain.Head, "r0");
        }
        if (_chain.IsSourceChain)
        {
            EmitDownstream(_chain.Head, "r0");
        }
        else
        {
            EmitNode(_chain.Head, "r0", isHead: true);
        }
        bool eventTime = _chain.Assigner is not null;
        _body.WriteLine(eventTime
            ? "if (InterruptRequested) { OnEventTime(eventTime, i + 1 - start); return i + 1; }"
            : "if (InterruptRequested) return i + 1;");

        w.OpenBlock(signature);
        w.WriteLine("int i = start;");
        if (eventTime)
        {
            w.WriteLine("long eventTime = long.MinValue;");
        }
        WriteLocals(w);
        w.OpenBlock("try");
        w.OpenBlock("for (; i < end; i++)");
        WriteBody(w);
        w.CloseBlock();
        if (eventTime)
        {
            w.WriteLine("OnEventTime(eventTime, end - start);");
        }
        w.WriteLine("return end;");
        w.CloseBlock();
        WriteCatch(w, $"Failure(ex, {CodeText.Literal(_chain.Head.Name)}, records[i])");
        w.CloseBlock();
    }

    private void EmitNode(NodeModel node, string input, bool isHead = false)
    {
        if (node.LateRecordsOf is not null)
        {
            EmitDownstream(node, input); // a late-records output passes its window node's late records on
            return;
        }
        int stage = _nextStage++;
        _arms.Add((stage, node.Name, input));
        _body.WriteLine($"stage = {stage};");
        if (isHead && node.KeyBy is { } key && (node.Parameters.Any(p => p.IsKeyedState) || _chain.TimerNode is not null))
        {
            _usesMaxParallelism = true;
            _body.WriteLine($"var key = {_chain.Method(key.MethodName)}({input});");
            _body.WriteLine($"int keyHash = {CodeText.Hash(key.Hash, "key")};");
            _body.WriteLine("int keyGroup = global::DslFlow.KeyGroups.Assign(keyHash, maxParallelism);");
            string keyArgument = key.KeyIsNullable ? "key!" : "key";
            foreach (ParameterModel state in node.Parameters.Where(p => p.IsKeyedState))
            {
                int s = _chain.StateIndex[(node.Name, state.Name)];
                _body.WriteLine(StateStorage.Select(state, $"_state{s}", $"_table{s}", keyArgument, "keyHash", "keyGroup"));
            }
            if (_chain.TimerNode is not null)
            {
                _body.WriteLine($"{ChainLayout.TimersField}.SetCurrentKey({keyArgument}, keyHash);");
            }
        }
        string call = _chain.Call(node, input);
        bool hasDownstream = _chain.ResultEdgesFrom(node).Any();
        switch (node.Kind)
        {
            case NodeKind.Sink:
                _body.WriteLine($"_sink{_chain.SinkIndex[node.Name]}.Add({input});");
                break;
            case NodeKind.Map when hasDownstream:
                string mapped = NewLocal(node.Output!.FullName);
                _body.WriteLine($"{mapped} = {call};");
                EmitDownstream(node, mapped);
                break;
            case NodeKind.Filter when hasDownstream:
                _body.OpenBlock($"if ({call})");
                EmitDownstream(node, input);
                _body.CloseBlock();
                break;
            case NodeKind.FlatMap when hasDownstream:
                string item = "item" + stage, flat = NewLocal(node.Output!.FullName);
                _body.OpenBlock($"foreach ({node.Output.FullName} {item} in {call})");
                _body.WriteLine($"{flat} = {item};");
                int before = _nextStage;
                EmitDownstream(node, flat);
                if (_nextStage != before)
                {
                    _body.WriteLine($"stage = {stage}; // the next MoveNext runs {node.Name}'s code again");
                }
                _body.CloseBlock();
                break;
            case NodeKind.FlatMap:
                _body.OpenBlock($"foreach ({node.Output!.FullName} item{stage} in {call})");
                _body.CloseBlock();
                break;
            case NodeKind.Process:
                string collector = "_collector" + _chain.CollectorIndex[node.Name];
                NodeModel? late = _chain.ReadLateRecords(node);
                _body.WriteLine($"{collector}.Clear();");
                if (late is not null)
                {
                    _body.WriteLine($"{ChainLayout.LateField}.Clear();");
                }
                _body.WriteLine($"{call};");
                if (hasDownstream)
                {
                    string emitted = NewLocal(node.Output!.FullName);
                    _body.OpenBlock($"foreach (var item{stage} in {collector}.Emitted)");
                    _body.WriteLine($"{emitted} = item{stage};");
                    EmitDownstream(node, emitted);
                    _body.CloseBlock();
                }
                _body.WriteLine($"{collector}.Clear();");
                if (late is not null)
                {
                    string record = NewLocal(late.Output!.FullName);
                    _body.OpenBlock($"foreach (var late{stage} in {ChainLayout.LateField}.Emitted)");
                    _body.WriteLine($"{record} = late{stage};");
                    EmitNode(late, record);
                    _body.CloseBlock();
                    _body.WriteLine($"{ChainLayout.LateField}.Clear();");
                }
                break;
            default:
                _body.WriteLine($"{call};");
                break;
        }
    }

    /// <summary>
    /// The chain's timestamp assigner saw <paramref name="record"/>: the highest timestamp so far stays in a register
    /// and is reported once per call (<c>OnEventTime</c>), so event time costs a compare per record.
    /// </summary>
    private void TrackTimestamp(NodeModel assigner, string record)
    {
        string timestamp = "timestamp" + _nextStage;
        _body.WriteLine($"long {timestamp} = {_chain.Method(assigner.Watermarks!.TimestampMethod)}({record});");
        _body.WriteLine($"if ({timestamp} > eventTime) eventTime = {timestamp};");
    }

    /// <summary>Passes a node's output along each edge leaving it, in graph order (fan-out is one after another).</summary>
    private void EmitDownstream(NodeModel node, string output)
    {
        if (node.Kind != NodeKind.Source && node == _chain.Assigner)
        {
            TrackTimestamp(node, output); // what the assigner emits carries the task's event time from here on
        }
        foreach ((int index, EdgeModel edge) in _chain.ResultEdgesFrom(node))
        {
            NodeModel target = _chain.Model.Node(edge.To)!;
            if (edge.Chained)
            {
                EmitNode(target, output);
                continue;
            }
            int k = _chain.OutputIndex[index];
            if (edge.Partitioning == EdgeKind.Hash)
            {
                // Routing runs the downstream node's key selector here, on the sending side.
                int stage = _nextStage++;
                _arms.Add((stage, target.Name, output));
                _usesMaxParallelism = true;
                KeySelectorModel key = target.KeyBy!;
                _body.WriteLine($"stage = {stage};");
                _body.WriteLine($"var key{stage} = {_chain.Method(key.MethodName)}({output});");
                _body.WriteLine($"_out{k}.Emit({output}, {CodeText.KeyGroup(key, "key" + stage, "maxParallelism")});");
            }
            else
            {
                _body.WriteLine($"_out{k}.Emit({output});");
            }
        }
    }

    private string NewLocal(string type)
    {
        string name = "r" + _locals.Count;
        _locals.Add((type, name));
        return name;
    }
}
