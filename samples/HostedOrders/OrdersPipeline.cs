using DslFlow;

namespace HostedOrders;

/// <summary>An order of a generated stream.</summary>
public sealed record Order(long Id, string Customer, decimal Amount);

/// <summary>
/// Revenue per customer: generated orders → keyed running total (keyed state) → one line per order in part files that
/// a FileSink commits with the checkpoints and compacts every fifth checkpoint. The checkpoint interval, parallelism,
/// unaligned mode and buffer debloating come from appsettings.json through the host (DslFlow:Orders).
/// </summary>
[Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 1000)]
public static partial class OrdersPipeline
{
    private static readonly string[] Customers = ["ada", "grace", "linus", "barbara", "edsger", "margaret", "ken", "frances"];

    /// <summary>Orders to generate, at 150,000 per second.</summary>
    public static long OrderCount { get; set; } = 2_000_000;

    /// <summary>Where the committed output goes.</summary>
    public static string OutputDirectory { get; set; } = "output";

    [Source(Parallelism = 1)]
    public static GeneratorSource<Order> Orders() =>
        new(i => new Order(i, Customers[i % Customers.Length], 1 + (i * 37 % 1000) / 10m), OrderCount) { RecordsPerSecond = 150_000 };

    public static string CustomerOf(Order order) => order.Customer;

    [Map(nameof(Orders), KeyBy = nameof(CustomerOf))]
    public static string Revenue(Order order, ValueState<decimal> total)
    {
        total.Value += order.Amount;
        return $"{order.Id} {order.Customer} {total.Value}";
    }

    [Sink(nameof(Revenue))]
    public static FileSink<string> Ledger() => new(OutputDirectory) { Compaction = new FileCompaction { EveryCheckpoints = 5 } };
}
