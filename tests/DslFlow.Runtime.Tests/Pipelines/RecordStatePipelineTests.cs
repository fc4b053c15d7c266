using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Serialization;
using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.Runtime.Tests.Pipelines;

/// <summary>A customer's running figures: a user record held in <see cref="ValueState{T}"/>.</summary>
public sealed record Summary(string Customer, int Count, long Total, Purchase? Last);

/// <summary>One order: a user class held in <see cref="ListState{T}"/> and <see cref="MapState{TKey, TValue}"/>.</summary>
public sealed class Purchase
{
    public int Amount { get; init; }

    public string Size { get; init; } = "";

    public List<string> Tags { get; set; } = [];
}

/// <summary>
/// Keyed state of user types, which the runtime's reflection lookup cannot serialize: checkpoints save it through the
/// serializers the generator emitted.
/// </summary>
[Pipeline]
public static partial class RecordStatePipeline
{
    public static (string Customer, int Amount)[] Input { get; set; } = [];

    public static CollectSink<string> Output { get; set; } = new();

    [Source(Parallelism = 1)]
    public static CollectionSource<(string Customer, int Amount)> Orders() => new(Input);

    [Process(nameof(Orders), KeyBy = nameof(CustomerOf), Parallelism = 2)]
    public static void Track((string Customer, int Amount) order, ValueState<Summary> summary, ListState<Purchase> recent,
        MapState<string, Purchase> largestBySize, Collector<string> output)
    {
        var purchase = new Purchase { Amount = order.Amount, Size = SizeOf(order.Amount), Tags = [order.Customer, $"#{order.Amount}"] };
        Summary before = summary.Value ?? new Summary(order.Customer, 0, 0, null);
        summary.Value = before with { Count = before.Count + 1, Total = before.Total + order.Amount, Last = purchase };
        recent.Add(purchase);
        if (recent.Count > 3)
        {
            recent.Update(recent.Items.Skip(1));
        }
        if (!largestBySize.TryGetValue(purchase.Size, out Purchase? largest) || largest.Amount < purchase.Amount)
        {
            largestBySize[purchase.Size] = purchase;
        }
        output.Emit($"{order.Customer}:{summary.Value.Count}:{summary.Value.Total}");
    }

    [Sink(nameof(Track))]
    public static CollectSink<string> Out() => Output;

    public static string SizeOf(int amount) => amount < 30 ? "small" : amount < 70 ? "medium" : "large";

    private static string CustomerOf((string Customer, int Amount) order) => order.Customer;
}

public class RecordStatePipelineTests
{
    private static readonly string[] StateNames = ["Track.summary", "Track.recent", "Track.largestBySize"];

    [Fact]
    public async Task A_checkpoint_saves_records_and_classes_held_in_keyed_state()
    {
        RecordStatePipeline.Input = Enumerable.Range(0, 3_000).Select(i => ($"c{i % 13}", i * 7 % 97)).ToArray();
        RecordStatePipeline.Output = new CollectSink<string>();
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { BufferSize = 32 };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the final checkpoint completes: it holds the final state
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.RetainAfterFinish = true; // read the final checkpoint below

        await using (JobHandle job = RecordStatePipeline.Start(options))
        {
            await job.Completion.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Contains(job.Checkpoints, c => c.Status == CheckpointStatus.Completed);
        }
        Assert.Equal(Expected().Order(), RecordStatePipeline.Output.Results.Order());

        var storage = new LocalCheckpointStorage(directory.JobFolder);
        CheckpointMetadata latest = (await storage.LoadLatestAsync())!;
        var entries = new List<StateEntry>();
        foreach ((OperatorSubtaskId _, IReadOnlyList<StateHandle> handles) in latest.SubtaskStates)
        {
            foreach (StateHandle handle in handles)
            {
                byte[] file = await storage.ReadStateAsync(handle);
                Assert.NotEmpty(file);
                entries.AddRange(TaskStateSnapshot.Decode(file).States);
            }
        }
        foreach (string name in StateNames)
        {
            Assert.Equal(2, entries.Count(e => e.Name == name && e.Scope == StateScope.Keyed && e.Blocks.Count > 0)); // one per subtask
        }

        // The saved records read back, through the generated serializer, to what the job computed.
        var summarySerializer = new NullableReferenceSerializer<Summary>(GeneratedSerializer<Summary>());
        var summaries = State.HeapStates.Value<string, Summary?>("Track.summary", new KeyGroupRange(0, RecordStatePipeline.Graph.MaxParallelism - 1), StringSerializer.Instance!, summarySerializer);
        foreach (StateEntry entry in entries.Where(e => e.Name == "Track.summary"))
        {
            State.HeapStates.Restore(summaries, entry.Blocks, RecordStatePipeline.Graph.MaxParallelism);
        }
        var restored = Enumerable.Range(0, RecordStatePipeline.Graph.MaxParallelism)
            .SelectMany(summaries.EntriesOf)
            .ToDictionary(e => e.Key, e => e.Value!);
        foreach (IGrouping<string, (string Customer, int Amount)> customer in RecordStatePipeline.Input.GroupBy(o => o.Customer))
        {
            Summary summary = restored[customer.Key];
            Assert.Equal((customer.Key, customer.Count(), customer.Sum(o => (long)o.Amount)), (summary.Customer, summary.Count, summary.Total));
            int last = customer.Last().Amount;
            Assert.Equal((last, RecordStatePipeline.SizeOf(last)), (summary.Last!.Amount, summary.Last.Size));
            Assert.Equal(new[] { customer.Key, $"#{last}" }, summary.Last.Tags);
        }
    }

    private static IEnumerable<string> Expected() =>
        RecordStatePipeline.Input.GroupBy(o => o.Customer).SelectMany(g =>
            g.Select((o, i) => $"{g.Key}:{i + 1}:{g.Take(i + 1).Sum(x => (long)x.Amount)}"));

    private static ISerializer<T> GeneratedSerializer<T>() => GeneratedSerializers.Of<T>(typeof(RecordStatePipeline));
}
