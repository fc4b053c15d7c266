using System.Text.Json.Serialization;
using DslFlow.Connectors.Nats;
using DslFlow.Connectors.PostgreSql;

namespace DslFlow.Connectors.KillHarness;

/// <summary>An order event on JetStream: its id, its customer and its amount in cents.</summary>
public sealed record Order(long Id, int Customer, long Cents);

/// <summary>A customer's running total after one more order: one row per (customer, orders) in the table.</summary>
public sealed record CustomerTotal(int Customer, long Orders, long Cents);

[JsonSerializable(typeof(Order))]
public sealed partial class OrderJson : JsonSerializerContext;

/// <summary>
/// Orders from a JetStream stream (a split per subject) → a running total per customer (keyed state) → every total as
/// a row of a PostgreSQL table (insert mode). A failure-free run writes exactly one row per (customer, orders); a
/// duplicate commit or a lost one shows as an extra or a missing row.
/// </summary>
[Pipeline]
public static partial class OrdersPipeline
{
    public static string NatsUrl { get; set; } = "";

    public static string Stream { get; set; } = "";

    public static int Subjects { get; set; } = 4;

    public static string Database { get; set; } = "";

    /// <summary>Slows the aggregate so a run lasts long enough to be killed.</summary>
    public static Pacer Pacing { get; set; } = new(0);

    [Source]
    public static JetStreamSource<Order> Orders() => new(NatsUrl, Stream, JetStreamPayload<Order>.Json(OrderJson.Default.Order))
    {
        Subjects = [.. Enumerable.Range(0, Subjects).Select(i => $"{Stream}.{i}")],
        Bounded = true,
    };

    [Process(nameof(Orders), KeyBy = nameof(CustomerOf))]
    public static void Total(Order order, ValueState<CustomerTotal> total, Collector<CustomerTotal> output)
    {
        Pacing.Tick();
        CustomerTotal before = total.Value ?? new CustomerTotal(order.Customer, 0, 0);
        total.Value = new CustomerTotal(order.Customer, before.Orders + 1, before.Cents + order.Cents);
        output.Emit(total.Value);
    }

    [Sink(nameof(Total))]
    public static PostgresSink<CustomerTotal> Totals() => new(Database, "customer_totals");

    public static int CustomerOf(Order order) => order.Customer;
}

/// <summary>Sleeps 1 ms every <c>every</c> records (0: never): pacing, not state, so not checkpointed.</summary>
public sealed class Pacer(int every)
{
    private long _records;

    public void Tick()
    {
        if (every > 0 && Interlocked.Increment(ref _records) % every == 0)
        {
            Thread.Sleep(1);
        }
    }
}
