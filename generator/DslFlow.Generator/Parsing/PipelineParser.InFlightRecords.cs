using System.Collections.Generic;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Planning;
using DslFlow.Serialization;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// Unaligned checkpoints persist the records in flight between tasks (channel state), so the records that cross a task
/// boundary must be serializable, like state: checked at compile time, with serializers composed the same way.
/// </summary>
internal static partial class PipelineParser
{
    /// <summary>
    /// Resolves the input serializer of every node that reads from channels — a chain head other than a source, the
    /// target of non-chained edges. When the pipeline declares unaligned checkpoints (<paramref name="required"/>) an
    /// input type that cannot be serialized is DSLF3005; otherwise it gets no serializer but the DSLF3005 message, which
    /// the runtime says at start only if the options turn unaligned checkpoints on (one text, whoever finds the problem).
    /// </summary>
    private static void ResolveInFlightRecordSerializers(ParseContext context, SerializerResolver resolver, List<NodeDraft> reachable, bool required)
    {
        var byName = new Dictionary<string, NodeDraft>();
        foreach (NodeDraft node in reachable)
        {
            if (!byName.ContainsKey(node.Name))
            {
                byName.Add(node.Name, node); // duplicates are DSLF2009 already
            }
        }
        // Where a serializer is optional, each type is tried on a throwaway resolver first: a failure must leave no
        // half-built class in the shared one. One trial resolver serves every edge (its results are the same per type).
        SerializerResolver? trial = required ? null : new SerializerResolver(context.Compilation, context.Pipeline, context.CancellationToken);
        foreach (NodeDraft node in reachable)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            if (node.Kind == NodeKind.Source || node.Input is null || !ReadsFromChannels(node, byName))
            {
                continue;
            }
            if (trial?.Resolve(node.Input).Problem is { } optional)
            {
                node.InputNotSerializable = optional.Reason is null ? null : InFlightRecordMessage(node, optional);
                continue;
            }
            SerializerResolution resolved = resolver.Resolve(node.Input);
            if (resolved.Problem is { } problem)
            {
                ReportUnserializableRecord(context, node, problem);
            }
            else
            {
                node.InputSerializer = resolved.Model;
            }
        }
    }

    /// <summary>True when the node heads a task of its own: its edges are not chained (the planner's rule).</summary>
    private static bool ReadsFromChannels(NodeDraft node, Dictionary<string, NodeDraft> byName) =>
        node.Upstreams.Count != 1
        || !byName.TryGetValue(node.Upstreams[0], out NodeDraft? upstream)
        || !ChainPlanner.IsChained(node.Upstreams.Count, node.KeyByName is not null, node.Partitioning, upstream.Parallelism, node.Parallelism,
            node.WatermarksAttribute is not null && node.Kind != NodeKind.Sink);

    private static void ReportUnserializableRecord(ParseContext context, NodeDraft node, SerializationProblem problem)
    {
        if (problem.Reason is null)
        {
            context.Abandon(node.Method);
            return;
        }
        // Operators declare the record type in their first parameter; a sink in its return type (the method).
        Location? where = node.Kind == NodeKind.Sink ? null : node.Method.Parameters.FirstOrDefault()?.Locations.FirstOrDefault();
        context.Report(DiagnosticIds.StateNotSerializable, node.Method, where, InFlightRecordMessage(node, problem));
    }

    /// <summary>The DSLF3005 message for the records in flight to <paramref name="node"/>, whose type cannot be saved.</summary>
    private static string InFlightRecordMessage(NodeDraft node, SerializationProblem problem) =>
        SerializationMessages.InFlightRecords(TypeNames.Display(node.Input!),
            node.Upstreams.Select(u => SerializationMessages.Edge(u, node.Name)).ToList(), Unserializable(node.Input!, problem));
}
