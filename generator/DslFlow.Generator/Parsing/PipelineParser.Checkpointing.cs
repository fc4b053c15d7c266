using System.Collections.Generic;
using System.Linq;
using DslFlow.Checkpointing;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// <c>[Checkpointing]</c>: read with the attribute's defaults and checked with the runtime's own rules
/// (<c>CheckpointRules</c>, shared source), so the analyzer and the run-time validation report the same texts.
/// </summary>
internal static partial class PipelineParser
{
    private static CheckpointModel? ReadCheckpointing(ParseContext context)
    {
        AttributeData? attribute = context.Pipeline.GetAttributes().FirstOrDefault(KnownTypes.IsCheckpointingAttribute);
        if (attribute is null)
        {
            return null;
        }
        int? interval = null; // no default: [Checkpointing] without it is DSLF1004
        int mode = CheckpointModel.ExactlyOnce, timeout = 600_000, minPause = 0, maxConcurrent = 1, tolerable = 0, retained = 1, alignedTimeout = -1;
        bool unaligned = false;
        string? directory = null;
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            object? value = argument.Value.Kind == TypedConstantKind.Error ? null : argument.Value.Value;
            switch (argument.Key)
            {
                case "IntervalMs" when value is int v: interval = v; break;
                case "Mode" when value is int v: mode = v; break;
                case "TimeoutMs" when value is int v: timeout = v; break;
                case "MinPauseMs" when value is int v: minPause = v; break;
                case "MaxConcurrentCheckpoints" when value is int v: maxConcurrent = v; break;
                case "TolerableFailedCheckpoints" when value is int v: tolerable = v; break;
                case "RetainedCheckpoints" when value is int v: retained = v; break;
                case "AlignedTimeoutMs" when value is int v: alignedTimeout = v; break;
                case "Unaligned" when value is bool b: unaligned = b; break;
                case "Directory": directory = value as string; break;
            }
        }
        var model = new CheckpointModel(interval ?? 0, mode, timeout, minPause, maxConcurrent, tolerable, retained, unaligned, alignedTimeout, directory);
        var settings = new CheckpointSettings(interval, model.IsExactlyOnce, timeout, minPause, maxConcurrent, tolerable, retained, unaligned,
            alignedTimeout == -1 ? null : alignedTimeout); // -1: not set, as CheckpointConfig.Resolve reads it
        foreach (CheckpointRuleViolation violation in CheckpointRules.Check(settings))
        {
            Location? where = AttributeArguments.Named(attribute, violation.Setting, context.CancellationToken)
                ?? AttributeArguments.OfAttribute(attribute, context.CancellationToken);
            if (violation.IsError)
            {
                context.Report(violation.Id, context.Pipeline, where, violation.Message);
            }
            else
            {
                context.Warn(violation.Id, context.Pipeline, where, violation.Message);
            }
        }
        return model;
    }

    /// <summary>Exactly-once checkpoints promise exactly-once results only at transactional sinks.</summary>
    private static void CheckSinkGuarantees(ParseContext context, CheckpointModel? checkpointing, List<NodeDraft> nodes)
    {
        if (checkpointing is not { IsExactlyOnce: true })
        {
            return;
        }
        foreach (NodeDraft sink in nodes.Where(n => n.Kind == NodeKind.Sink && n.Factory is not null && !n.IsTransactionalSink && !n.AcceptsAtLeastOnce))
        {
            context.Warn(DiagnosticIds.SinkNotTransactional, sink.Method, null,
                $"Sink '{sink.Name}' returns '{TypeNames.Display(sink.Method.ReturnType)}', which does not implement DslFlow.ITransactionalSink, so after a failure "
                + $"the exactly-once pipeline '{context.Pipeline.Name}' may write some records to it twice. Return a transactional sink, or set "
                + "[Sink(AcceptAtLeastOnce = true)] to accept at-least-once delivery.");
        }
    }
}
