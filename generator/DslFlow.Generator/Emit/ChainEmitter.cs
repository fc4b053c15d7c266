using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;

namespace DslFlow.Generator.Emit;

/// <summary>
/// Writes one chain class: a nested task subclass (so it may call the user's private methods) that creates its
/// writers, chained sinks, keyed and operator state and collectors in <c>Open</c>, runs the fused loop in
/// <c>ProcessRecords</c>, and for a keyed head recomputes a record's key group in <c>KeyGroupOf</c>.
/// </summary>
internal static class ChainEmitter
{
    public static void Emit(SourceWriter w, ChainLayout chain)
    {
        string baseType = chain.IsSourceChain
            ? $"global::DslFlow.Execution.SourceStreamTask<{chain.RecordType}>"
            : $"global::DslFlow.Execution.OneInputStreamTask<{chain.RecordType}>";
        w.WriteLine($"/// <summary>Task '{chain.Chain.Name}': {string.Join(" -> ", chain.Chain.Nodes)}.</summary>");
        w.WriteLine(CodeText.GeneratedCode);
        w.OpenBlock($"private sealed class {chain.ClassName} : {baseType}");
        WriteFields(w, chain);
        w.WriteLine();
        WriteConstructor(w, chain);
        w.WriteLine();
        WriteOpen(w, chain);
        w.WriteLine();
        RecordLoopEmitter.Emit(w, chain);
        if (chain.TimerNode is { OnTimer: not null })
        {
            w.WriteLine();
            RecordLoopEmitter.EmitTimerHandler(w, chain);
        }
        if (!chain.IsSourceChain && chain.Head.KeyBy is { } key)
        {
            w.WriteLine();
            WriteKeyGroupOf(w, chain, key);
        }
        w.CloseBlock();
    }

    /// <summary>The constructor's node arguments, in order: the source (for a source chain), then the chained sinks.</summary>
    public static IEnumerable<string> NodeArguments(ChainLayout chain)
    {
        if (chain.IsSourceChain)
        {
            yield return chain.Head.Name;
        }
        foreach (NodeModel sink in chain.Sinks)
        {
            yield return sink.Name;
        }
    }

    /// <summary>
    /// A keyed head recomputes the key group its upstream routed a record by — the same selector and hash as the
    /// sender's <c>KeyGroupWriter</c> call — so restored in-flight records can be filtered by key group after rescaling.
    /// </summary>
    private static void WriteKeyGroupOf(SourceWriter w, ChainLayout chain, KeySelectorModel key)
    {
        w.WriteLine("/// <summary>The key group the upstream routed <paramref name=\"record\"/> by.</summary>");
        w.OpenBlock($"protected override int KeyGroupOf({chain.RecordType} record)");
        w.WriteLine($"var key = {chain.Method(key.MethodName)}(record);");
        w.WriteLine($"return {CodeText.KeyGroup(key, "key", "Context.MaxParallelism")};");
        w.CloseBlock();
    }

    private static void WriteFields(SourceWriter w, ChainLayout chain)
    {
        for (int s = 0; s < chain.Sinks.Count; s++)
        {
            w.WriteLine($"private readonly global::DslFlow.ISink<{chain.Sinks[s].Input!.FullName}> _sinkNode{s};");
        }
        for (int k = 0; k < chain.Chain.Outputs.Count; k++)
        {
            w.WriteLine($"private {chain.WriterType(chain.Plan.Edges[chain.Chain.Outputs[k]])} _out{k} = null!;");
        }
        for (int s = 0; s < chain.Sinks.Count; s++)
        {
            w.WriteLine($"private global::DslFlow.Execution.SinkOutput<{chain.Sinks[s].Input!.FullName}> _sink{s} = null!;");
        }
        for (int s = 0; s < chain.States.Count; s++)
        {
            (NodeModel node, ParameterModel parameter) = chain.States[s];
            w.WriteLine($"private {StateStorage.TableType(node.KeyBy!.KeyType.FullName, parameter)} _table{s} = null!;");
            w.WriteLine($"private {parameter.Type} _state{s} = null!;");
        }
        for (int s = 0; s < chain.OperatorStates.Count; s++)
        {
            w.WriteLine($"private {chain.OperatorStates[s].Parameter.Type} _operatorState{s} = null!;");
        }
        for (int c = 0; c < chain.Collectors.Count; c++)
        {
            w.WriteLine($"private {chain.Collectors[c].Parameter.Type} _collector{c} = null!;");
        }
        if (chain.TimerNode is { } timed)
        {
            w.WriteLine($"private global::DslFlow.Time.Timers.KeyedTimers<{timed.KeyBy!.KeyType.FullName}> {ChainLayout.TimersField} = null!;");
        }
        if (chain.WindowNode is { } windowed)
        {
            w.WriteLine($"private {chain.WindowOperatorType(windowed)} {ChainLayout.WindowField} = null!;");
            if (chain.ReadLateRecords(windowed) is not null)
            {
                w.WriteLine($"private global::DslFlow.Collector<{windowed.Input!.FullName}> {ChainLayout.LateField} = null!;");
            }
        }
    }

    private static void WriteConstructor(SourceWriter w, ChainLayout chain)
    {
        var parameters = new List<string> { "global::DslFlow.Execution.TaskContext context" };
        if (chain.IsSourceChain)
        {
            parameters.Add($"global::DslFlow.ISource<{chain.RecordType}> source");
        }
        for (int s = 0; s < chain.Sinks.Count; s++)
        {
            parameters.Add($"global::DslFlow.ISink<{chain.Sinks[s].Input!.FullName}> sink{s}");
        }
        w.WriteLine($"public {chain.ClassName}({string.Join(", ", parameters)})");
        w.Indent();
        w.WriteLine(chain.IsSourceChain ? $": base(context, {CodeText.Literal(chain.Head.Name)}, source)" : ": base(context)");
        w.Unindent();
        w.OpenBlock();
        for (int s = 0; s < chain.Sinks.Count; s++)
        {
            w.WriteLine($"_sinkNode{s} = sink{s};");
        }
        w.CloseBlock();
    }

    private static void WriteOpen(SourceWriter w, ChainLayout chain)
    {
        w.OpenBlock("protected override void Open()");
        w.WriteLine("base.Open();");
        for (int k = 0; k < chain.Chain.Outputs.Count; k++)
        {
            w.WriteLine($"_out{k} = {chain.WriterFactory(chain.Plan.Edges[chain.Chain.Outputs[k]])}({k});");
        }
        for (int s = 0; s < chain.Sinks.Count; s++)
        {
            w.WriteLine($"_sink{s} = CreateSinkOutput<{chain.Sinks[s].Input!.FullName}>({CodeText.Literal(chain.Sinks[s].Name)}, _sinkNode{s});");
        }
        bool hasState = chain.States.Count > 0 || chain.OperatorStates.Count > 0;
        if (hasState)
        {
            w.WriteLine(SerializerEmitter.NullableWarningsOff);
        }
        for (int s = 0; s < chain.States.Count; s++)
        {
            (NodeModel node, ParameterModel parameter) = chain.States[s];
            string stateName = CodeText.Literal(node.Name + "." + parameter.Name);
            StateStorage.WriteCreateTable(w, $"_table{s}", node.KeyBy!.KeyType.FullName, parameter, stateName, node.KeyBy.Serializer);
            w.WriteLine($"_state{s} = new {parameter.Type}();");
            if (StateStorage.BindFacade(parameter, $"_state{s}", $"_table{s}") is { } bind)
            {
                w.WriteLine(bind);
            }
        }
        for (int s = 0; s < chain.OperatorStates.Count; s++)
        {
            (NodeModel node, ParameterModel parameter) = chain.OperatorStates[s];
            StateStorage.WriteCreateOperatorState(w, $"_operatorState{s}", parameter, CodeText.Literal(node.Name + "." + parameter.Name));
        }
        if (hasState)
        {
            w.WriteLine(SerializerEmitter.NullableWarningsRestored);
        }
        for (int c = 0; c < chain.Collectors.Count; c++)
        {
            w.WriteLine($"_collector{c} = new {chain.Collectors[c].Parameter.Type}();");
        }
        if (chain.TimerNode is { } timed)
        {
            KeySelectorModel key = timed.KeyBy!;
            string serializer = key.Serializer is { } s ? SerializerEmitter.Expression(s) : "null";
            string handler = timed.OnTimer is null ? "static (_, _, _, _) => { }" : ChainLayout.TimerMethod;
            w.WriteLine(SerializerEmitter.NullableWarningsOff);
            w.WriteLine($"{ChainLayout.TimersField} = CreateTimers<{key.KeyType.FullName}>({CodeText.Literal(timed.Name)}, {serializer}, {handler});");
            w.WriteLine(SerializerEmitter.NullableWarningsRestored);
        }
        if (chain.WindowNode is { } windowed)
        {
            w.WriteLine($"{ChainLayout.WindowField} = {chain.NewWindowOperator(windowed)};");
            w.WriteLine($"TrackLateRecords(() => {ChainLayout.WindowField}.LateRecordsDropped);");
            if (chain.ReadLateRecords(windowed) is not null)
            {
                w.WriteLine($"{ChainLayout.LateField} = new global::DslFlow.Collector<{windowed.Input!.FullName}>();");
            }
        }
        w.CloseBlock();
    }
}
