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
                context.Report(DiagnosticIds.DuplicateNodeName, node.Method, $"Pipeline '{context.Pipeline.Name}' has several nodes named '{node.Name}'. Node names are method names and must be unique: rename one of the overloads.");
            }
            else
            {
                byName[node.Name] = node;
            }
        }
        if (!nodes.Any(n => n.Kind == NodeKind.Source))
        {
            context.Report(DiagnosticIds.NoSource, context.Pipeline, $"Pipeline '{context.Pipeline.Name}' has no [Source] node. Add a static method marked [Source] that returns an ISource<T>.");
        }
        foreach (NodeDraft node in nodes)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            CheckUpstreams(context, node, byName);
            CheckKeyAndState(context, node, maxParallelism);
        }
        CheckCycles(context, nodes, byName);
        if (!context.HasErrors)
        {
            CheckDeadEnds(context, nodes); // an error (an unknown upstream while typing) would make this noise
        }
    }

    /// <summary>A node whose output nobody reads computes for nothing (sinks have no output).</summary>
    private static void CheckDeadEnds(ParseContext context, List<NodeDraft> nodes)
    {
        var read = new HashSet<string>(nodes.Where(n => n.LateRecordsOf is null).SelectMany(n => n.Upstreams));
        foreach (NodeDraft node in nodes.Where(n => n.Kind != NodeKind.Sink && !read.Contains(n.Name)))
        {
            if (node.LateRecordsOf is { } window)
            {
                context.Warn(DiagnosticIds.LateRecordsUnread, node.Method, AttributeArguments.Named(node.Attribute, "LateRecords", context.CancellationToken),
                    $"No node reads the late-records output '{node.Name}' of window node '{window}', so its late records are dropped and counted, as without LateRecords. Read it, for example [Sink(\"{node.Name}\")], or remove LateRecords.");
                continue;
            }
            context.Warn(DiagnosticIds.NodeNothingReads, node.Method, null,
                $"No node reads the output of node '{node.Name}', so its records are dropped. Read it from a downstream node, for example [Sink(From = nameof({node.Name}))], or remove the node.");
        }
    }

    /// <summary>
    /// The nodes a record can reach, from the sources; upstream links to other nodes are dropped. A node without
    /// upstream (a warning) and what reads only from it would never receive a record, so the graph leaves them out.
    /// </summary>
    private static List<NodeDraft> Reachable(List<NodeDraft> nodes)
    {
        var reached = new HashSet<string>(nodes.Where(n => n.Kind == NodeKind.Source).Select(n => n.Name));
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (NodeDraft node in nodes)
            {
                if (!reached.Contains(node.Name) && node.Upstreams.Exists(reached.Contains))
                {
                    grew = reached.Add(node.Name);
                }
            }
        }
        var kept = nodes.Where(n => reached.Contains(n.Name)).ToList();
        foreach (NodeDraft node in kept)
        {
            node.Upstreams.RemoveAll(u => !reached.Contains(u));
        }
        return kept;
    }

    private static Location? KeyByLocation(ParseContext context, NodeDraft node) =>
        AttributeArguments.NameReference(node.Attribute, node.KeyByName!, "KeyBy", context.CancellationToken);

    private static void CheckUpstreams(ParseContext context, NodeDraft node, Dictionary<string, NodeDraft> byName)
    {
        if (node.Kind == NodeKind.Source || node.LateRecordsOf is not null)
        {
            return; // a late-records output reads its window node's input type, not its results: it is built right
        }
        if (node.Upstreams.Count == 0)
        {
            context.Warn(DiagnosticIds.NodeWithoutUpstream, node.Method, null, $"Node '{node.Name}' reads from no upstream node, so it never receives a record and is left out of the job graph (with any node that reads only from it). Name one, for example [{node.Kind}(From = nameof(Upstream))], or remove the node.");
            return;
        }
        foreach (string name in node.Upstreams)
        {
            if (!byName.TryGetValue(name, out NodeDraft? upstream))
            {
                string known = string.Join(", ", byName.Keys);
                context.Report(DiagnosticIds.UnknownUpstream, node.Method, AttributeArguments.NameReference(node.Attribute, name, "From", context.CancellationToken), $"Node '{node.Name}' reads from '{name}', which is not a node of pipeline '{context.Pipeline.Name}' (its nodes: {known}). Use nameof(...) of an attributed method.");
            }
            else if (upstream.Kind == NodeKind.Sink)
            {
                context.Report(DiagnosticIds.UpstreamTypeMismatch, node.Method, AttributeArguments.NameReference(node.Attribute, name, "From", context.CancellationToken), $"Node '{node.Name}' reads from '{name}', which is a sink and has no output. Read from the node that feeds the sink instead.");
            }
            else if (upstream.Output is not null && node.Input is not null && !context.AreIdentical(upstream.Output, node.Input))
            {
                context.Report(DiagnosticIds.UpstreamTypeMismatch, node.Method, AttributeArguments.NameReference(node.Attribute, name, "From", context.CancellationToken), $"Node '{node.Name}' consumes '{TypeNames.Display(node.Input)}' but its upstream '{name}' produces '{TypeNames.Display(upstream.Output)}'. Make the types match, or read from another node.");
            }
        }
    }

    private static void CheckKeyAndState(ParseContext context, NodeDraft node, int maxParallelism)
    {
        if (node.KeyByName is null)
        {
            if (node.HasKeyedState && node.WindowAttribute is null) // a window node's state is its own: CheckWindow says what is missing
            {
                string state = node.Parameters.First(p => p.IsKeyedState).Name;
                context.Report(DiagnosticIds.KeyedStateWithoutKeyBy, node.Method, $"Node '{node.Name}' takes keyed state '{state}' but has no key. Set KeyBy = nameof(KeySelector), a static method that returns the record's key.");
            }
            return;
        }
        if (node.Parallelism > maxParallelism)
        {
            context.Report(DiagnosticIds.InvalidParallelism, node.Method, AttributeArguments.Named(node.Attribute, "Parallelism", context.CancellationToken), $"Keyed node '{node.Name}' sets Parallelism = {node.Parallelism}, above the pipeline's MaxParallelism ({maxParallelism}), the number of key groups. Lower the parallelism or raise MaxParallelism.");
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
            context.Report(DiagnosticIds.InvalidKeySelector, node.Method, KeyByLocation(context, node), $"Node '{node.Name}' has KeyBy = \"{name}\", but pipeline '{context.Pipeline.Name}' has no method '{name}'. Add '{shape}'.");
            return null;
        }
        var matches = candidates.Where(m => m.IsStatic && !m.IsGenericMethod && !m.ReturnsVoid
            && m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.None
            && context.AreIdentical(input, m.Parameters[0].Type)).ToList();
        if (matches.Count != 1)
        {
            context.Report(DiagnosticIds.InvalidKeySelector, node.Method, KeyByLocation(context, node), matches.Count == 0
                ? $"Key selector '{name}' of node '{node.Name}' must have the shape '{shape}': static, non-generic, one parameter of the node's input type, returning the key."
                : $"Node '{node.Name}' has KeyBy = \"{name}\", which matches several overloads. Give the key selector a unique name.");
            return null;
        }
        ITypeSymbol key = matches[0].ReturnType;
        if (ContainsErrors(key))
        {
            context.Abandon(node.Method);
            return null;
        }
        KeyHashModel? hash = KeyHashing.HashOf(key);
        if (hash is null)
        {
            context.Report(DiagnosticIds.KeyWithoutStableHash, node.Method, KeyByLocation(context, node), $"Key selector '{name}' of node '{node.Name}' returns '{TypeNames.Display(key)}', which has no stable hash. Return a primitive, string, Guid, DateTime, enum, or a tuple of those, or implement DslFlow.IStableKey.");
            return null;
        }
        node.KeyType = TypeNames.WithoutNullableAnnotation(key);
        return new KeySelectorModel(name, TypeNames.Ref(node.KeyType), TypeNames.IsAnnotatedReference(key), hash);
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
                        context.Report(DiagnosticIds.Cycle, node.Method, $"Nodes {string.Join(" -> ", cycle.Append(cycle[0]))} form a cycle. A pipeline is a directed acyclic graph: remove one of these upstream links.");
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
