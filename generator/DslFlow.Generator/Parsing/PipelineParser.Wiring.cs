using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>Rules across nodes: names, upstreams, record types, cycles, keys and parallelism.</summary>
internal static partial class PipelineParser
{
    private static void CheckWiring(ParseContext context, List<NodeDraft> nodes, int maxParallelism)
    {
        var byName = new Dictionary<string, NodeDraft>();
        foreach (NodeDraft node in nodes)
        {
            if (byName.ContainsKey(node.Name))
            {
                context.Report(node.Method, $"Pipeline '{context.Pipeline.Name}' has several nodes named '{node.Name}'. Node names are method names and must be unique: rename one of the overloads.");
            }
            else
            {
                byName[node.Name] = node;
            }
        }
        if (!nodes.Any(n => n.Kind == NodeKind.Source))
        {
            context.Report(context.Pipeline, $"Pipeline '{context.Pipeline.Name}' has no [Source] node. Add a static method marked [Source] that returns an ISource<T>.");
        }
        foreach (NodeDraft node in nodes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            CheckUpstreams(context, node, byName);
            CheckKeyAndState(context, node, maxParallelism);
        }
        CheckCycles(context, nodes, byName);
    }

    private static void CheckUpstreams(ParseContext context, NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        if (node.Kind == NodeKind.Source)
        {
            return;
        }
        if (node.Upstreams.Count == 0)
        {
            context.Report(node.Method, $"Node '{node.Name}' reads from no upstream node. Name one, for example [{node.Kind}(From = nameof(Upstream))].");
            return;
        }
        foreach (string name in node.Upstreams)
        {
            if (!byName.TryGetValue(name, out NodeDraft? upstream))
            {
                string known = string.Join(", ", byName.Keys);
                context.Report(node.Method, $"Node '{node.Name}' reads from '{name}', which is not a node of pipeline '{context.Pipeline.Name}' (its nodes: {known}). Use nameof(...) of an attributed method.");
            }
            else if (upstream.Kind == NodeKind.Sink)
            {
                context.Report(node.Method, $"Node '{node.Name}' reads from '{name}', which is a sink and has no output. Read from the node that feeds the sink instead.");
            }
            else if (upstream.Output is not null && node.Input is not null && !context.AreIdentical(upstream.Output, node.Input))
            {
                context.Report(node.Method, $"Node '{node.Name}' consumes '{TypeNames.Display(node.Input)}' but its upstream '{name}' produces '{TypeNames.Display(upstream.Output)}'. Make the types match, or read from another node.");
            }
        }
    }

    private static void CheckKeyAndState(ParseContext context, NodeDraft node, int maxParallelism)
    {
        if (node.KeyByName is null)
        {
            if (node.HasState)
            {
                string state = node.Parameters.First(p => p.IsState).Name;
                context.Report(node.Method, $"Node '{node.Name}' takes keyed state '{state}' but has no key. Set KeyBy = nameof(KeySelector), a static method that returns the record's key.");
            }
            return;
        }
        if (node.Parallelism > maxParallelism)
        {
            context.Report(node.Method, $"Keyed node '{node.Name}' sets Parallelism = {node.Parallelism}, above the pipeline's MaxParallelism ({maxParallelism}), the number of key groups. Lower the parallelism or raise MaxParallelism.");
        }
        if (node.Input is not null)
        {
            node.KeyBy = ParseKeySelector(context, node, node.Input);
        }
    }

    private static KeySelectorModel? ParseKeySelector(ParseContext context, NodeDraft node, ITypeSymbol input)
    {
        string name = node.KeyByName!;
        var candidates = context.Pipeline.GetMembers(name).OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary).ToList();
        string shape = $"static TKey {name}({TypeNames.Display(input)} record)";
        if (candidates.Count == 0)
        {
            context.Report(node.Method, $"Node '{node.Name}' has KeyBy = \"{name}\", but pipeline '{context.Pipeline.Name}' has no method '{name}'. Add '{shape}'.");
            return null;
        }
        var matches = candidates.Where(m => m.IsStatic && !m.IsGenericMethod && !m.ReturnsVoid
            && m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.None
            && context.AreIdentical(input, m.Parameters[0].Type)).ToList();
        if (matches.Count != 1)
        {
            context.Report(node.Method, matches.Count == 0
                ? $"Key selector '{name}' of node '{node.Name}' must have the shape '{shape}': static, non-generic, one parameter of the node's input type, returning the key."
                : $"Node '{node.Name}' has KeyBy = \"{name}\", which matches several overloads. Give the key selector a unique name.");
            return null;
        }
        ITypeSymbol key = matches[0].ReturnType;
        KeyHashModel? hash = KeyHashing.HashOf(key);
        if (hash is null)
        {
            context.Report(node.Method, $"Key selector '{name}' of node '{node.Name}' returns '{TypeNames.Display(key)}', which has no stable hash. Return a primitive, string, Guid, DateTime, enum, or a tuple of those, or implement DslFlow.IStableKey.");
            return null;
        }
        return new KeySelectorModel(name, TypeNames.Ref(TypeNames.WithoutNullableAnnotation(key)), TypeNames.IsAnnotatedReference(key), hash);
    }

    private static void CheckCycles(ParseContext context, List<NodeDraft> nodes, Dictionary<string, NodeDraft> byName)
    {
        // Depth-first over upstream links; a node met again while on the path closes a cycle.
        var state = new Dictionary<string, int>(); // 1 = on the path, 2 = done
        var path = new List<string>();
        var reported = new HashSet<string>();

        void Visit(NodeDraft node)
        {
            state[node.Name] = 1;
            path.Add(node.Name);
            foreach (string upstream in node.Upstreams)
            {
                if (!byName.TryGetValue(upstream, out NodeDraft? next))
                {
                    continue;
                }
                state.TryGetValue(upstream, out int s);
                if (s == 1)
                {
                    List<string> cycle = path.Skip(path.IndexOf(upstream)).ToList();
                    if (reported.Add(string.Join(",", cycle.OrderBy(n => n, System.StringComparer.Ordinal))))
                    {
                        cycle.Reverse();
                        context.Report(node.Method, $"Nodes {string.Join(" -> ", cycle.Append(cycle[0]))} form a cycle. A pipeline is a directed acyclic graph: remove one of these upstream links.");
                    }
                }
                else if (s == 0)
                {
                    Visit(next);
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node.Name] = 2;
        }

        foreach (NodeDraft node in nodes)
        {
            if (!state.ContainsKey(node.Name))
            {
                Visit(node);
            }
        }
    }
}
