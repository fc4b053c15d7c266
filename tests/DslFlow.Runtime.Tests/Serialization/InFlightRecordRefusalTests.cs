using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Execution;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>
/// Unaligned checkpoints persist the records in flight, so a task whose input type cannot be serialized refuses to
/// start, with the analyzer's DSLF3005 frame. Generated pipelines pass the analyzer's whole text (tested with the
/// analyzers); a hand-written task gets the same frame around the run-time lookup's reason.
/// </summary>
public class InFlightRecordRefusalTests
{
    public sealed record Reading(string Sensor, IList<string> Tags);

    private sealed class CountTask(TaskContext context) : OneInputStreamTask<Reading>(context)
    {
        protected override int ProcessRecords(Reading[] records, int start, int end) => end;
    }

    [Fact]
    public void A_hand_written_task_whose_input_type_has_no_serializer_refuses_unaligned_checkpoints_with_the_DSLF3005_frame()
    {
        var options = new PipelineOptions();
        var graph = new JobGraph("Sensors", 1, 128,
            [new NodeInfo("Readings", NodeKind.Source, null, "Reading", 0, null, []), new NodeInfo("Count", NodeKind.Map, "Reading", "int", 0, null, [])],
            [new EdgeInfo("Readings", "Count", EdgePartitioning.Rebalance, false)],
            [new ChainInfo("Readings", ["Readings"]), new ChainInfo("Count", ["Count"])]);
        using var cancellation = new CancellationTokenSource();
        using var responder = new RecordingResponder();
        var context = new TaskContext(graph, 1, 0, 1, 128, options, new PipelineContext(options, cancellation.Token), cancellation.Token)
        {
            Input = new TaskInput<Reading>(new InputGate<Reading>(1, options.ExclusiveCreditsPerChannel, options.FloatingCreditsPerGate, options.BufferSize),
                [new InputChannelInfo("Readings", 0, EdgePartitioning.Rebalance)], null, null),
            Checkpointing = responder.For(CheckpointAlignment.Unaligned),
        };

        var refusal = Assert.Throws<JobConfigurationException>(() => new CountTask(context));

        const string Type = "DslFlow.Runtime.Tests.Serialization.InFlightRecordRefusalTests.Reading";
        Assert.StartsWith($"DSLF3005: Records of type '{Type}' in flight on edge Readings -> Count cannot be saved in unaligned "
            + $"checkpoints, which persist them: DslFlow has no serializer for type '{Type}'. Supported types: ", refusal.Message, StringComparison.Ordinal);
        Assert.EndsWith(" Or use aligned checkpoints (remove Unaligned = true).", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("..", refusal.Message, StringComparison.Ordinal);
    }
}
