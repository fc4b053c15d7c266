using System.Runtime.CompilerServices;
using DslFlow.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Tests;

/// <summary>Generated code for representative pipelines, compiled and compared with the verified snapshots.</summary>
public class GeneratorSnapshotTests
{
    [Fact]
    public void WordCount() => Verify("""
        using System;
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline(DefaultParallelism = 2)]
        public static partial class WordCount
        {
            [Source]
            public static ArraySource<string> Lines() => new("a b", "b c");

            [FlatMap(From = nameof(Lines))]
            public static IEnumerable<string> Split(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

            [Map(From = nameof(Split), KeyBy = nameof(Word))]
            public static (string Word, long Count) Count(string word, ValueState<long> count)
            {
                count.Value++;
                return (word, count.Value);
            }

            private static string Word(string word) => word;

            [Process(From = nameof(Count))]
            public static void Milestones((string Word, long Count) c, Collector<string> output)
            {
                if (c.Count % 2 == 0) output.Emit($"{c.Word} reached {c.Count}");
            }

            [Sink(From = nameof(Milestones))]
            public static QueueSink<string> Out() => new();
        }
        """, "Samples.WordCount.DslFlow.g.cs");

    [Fact]
    public void FanIn() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public partial class FanIn
        {
            [Source]
            public static ArraySource<long> Odd() => new(1, 3, 5);

            [Source(Parallelism = 2)]
            public static ArraySource<long> Even(PipelineContext context) => new(2, 4);

            [Map(nameof(Odd), nameof(Even))]
            public static long Double(long x) => x * 2;

            [Sink(From = nameof(Double))]
            public static QueueSink<long> Out() => new();
        }
        """, "Samples.FanIn.DslFlow.g.cs");

    [Fact]
    public void FanOut() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public partial class FanOut
        {
            [Source]
            public static ArraySource<string> Numbers() => new("1", "2", "x");

            [Map(From = nameof(Numbers))]
            private static int Parse(string text) => int.TryParse(text, out int n) ? n : -1;

            [Sink(From = nameof(Parse))]
            public static QueueSink<int> All() => new();

            [Filter(From = nameof(Parse))]
            private static bool Valid(int n) => n >= 0;

            [Sink(From = nameof(Valid))]
            public static QueueSink<int> Copy() => new();

            [Sink(From = nameof(Valid))]
            public static QueueSink<int> Audit() => new();
        }
        """, "Samples.FanOut.DslFlow.g.cs");

    [Fact]
    public void FilterBroadcastRebalance() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline(DefaultParallelism = 2)]
        public partial class Routing
        {
            [Source(Parallelism = 1)]
            public static ArraySource<double> Readings() => new(1.5, -2, 3);

            [Filter(From = nameof(Readings))]
            public static bool Positive(double value) => value > 0;

            [Map(From = nameof(Positive), Partitioning = Partitioning.Broadcast)]
            public static double Scale(double value) => value * 10;

            [Map(From = nameof(Scale), Partitioning = Partitioning.Rebalance)]
            public static string Label(double value) => value.ToString("F1");

            [Sink(From = nameof(Label), Parallelism = 3)]
            public static QueueSink<string> Out() => new();
        }
        """, "Samples.Routing.DslFlow.g.cs");

    [Fact]
    public void ListAndMapStateWithTupleKey() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public enum Level { Low, High }

        [Pipeline(MaxParallelism = 64)]
        internal partial class Sessions
        {
            [Source]
            public static ArraySource<(string User, int Region, long Time)> Events() => new(("ann", 1, 10), ("bob", 2, 20));

            private static (string, int) UserRegion((string User, int Region, long Time) e) => (e.User, e.Region);

            [Process(From = nameof(Events), KeyBy = nameof(UserRegion), Parallelism = 4)]
            public static void Track((string User, int Region, long Time) e, ListState<long> times, MapState<string, int> visits, Collector<string> output)
            {
                times.Add(e.Time);
                visits[e.User] = visits.TryGetValue(e.User, out int v) ? v + 1 : 1;
                output.Emit($"{e.User}:{times.Count}");
            }

            private static Level Severity(string line) => line.Length > 5 ? Level.High : Level.Low;

            [Map(From = nameof(Track), KeyBy = nameof(Severity))]
            public static string Tag(string line) => "[" + line + "]";

            [Sink(From = nameof(Tag))]
            public static QueueSink<string> Out() => new();
        }
        """, "Samples.Sessions.DslFlow.g.cs");

    [Fact]
    public void NestedInNamespace() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Outer.Inner
        {
            public partial class Container
            {
                internal static partial class Jobs
                {
                    [Pipeline]
                    private sealed partial class Echo
                    {
                        [Source]
                        private static ISource<int> Numbers() => new ArraySource<int>(1, 2, 3);

                        [Map(From = nameof(Numbers))]
                        private static int @fixed(int n) => n + 1;

                        [Sink(From = nameof(@fixed))]
                        private static QueueSink<int>? Out() => new();
                    }
                }
            }
        }
        """, "Outer.Inner.Container.Jobs.Echo.DslFlow.g.cs");

    [Fact]
    public void UserTypesInKeyedState() => Verify("""
        using System;
        using System.Collections.Generic;
        using DslFlow;
        using DslFlow.Serialization;
        using Fixtures;

        namespace Shop;

        public enum Status { Open, Closed }

        public sealed record Product(string Name, decimal Price);

        public class Line
        {
            public Product? Product { get; set; }
            public int Quantity { get; init; }
            public decimal Total => (Product?.Price ?? 0) * Quantity;
        }

        public record Order(string Id, List<Line> Lines, Status Status)
        {
            public DateTime? ShippedAt { get; init; }
            public Order? Previous { get; init; }
        }

        public readonly record struct Point(int X, int Y);

        [Serializer(typeof(MoneySerializer))]
        public readonly struct Money(long cents)
        {
            public long Cents { get; } = cents;
        }

        public sealed class MoneySerializer : ISerializer<Money>
        {
            public void Write(ref StateWriter writer, Money value) => writer.WriteInt64(value.Cents);

            public Money Read(ref StateReader reader) => new(reader.ReadInt64());
        }

        [Pipeline]
        public partial class Orders
        {
            [Source]
            public static ArraySource<Order> Incoming() => new(new Order("a", [], Status.Open));

            private static string Customer(Order order) => order.Id;

            [Process(From = nameof(Incoming), KeyBy = nameof(Customer))]
            public static void Track(Order order, ValueState<Order> last, ListState<Point> points, MapState<string, Money> totals, Collector<string> output)
            {
                last.Value = order with { Previous = last.Value };
                points.Add(new Point(order.Lines.Count, 0));
                totals[order.Id] = new Money(order.Lines.Count);
                output.Emit(order.Id);
            }

            [Sink(From = nameof(Track))]
            public static QueueSink<string> Out() => new();
        }
        """, "Shop.Orders.DslFlow.g.cs");

    [Fact]
    public void OperatorListState() => Verify("""
        using System.Collections.Generic;
        using System.Linq;
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public sealed record Reading(string Sensor, double Value);

        [Pipeline(DefaultParallelism = 2)]
        public partial class Buffering
        {
            [Source]
            public static ArraySource<Reading> Readings() => new(new Reading("a", 1), new Reading("b", 2));

            [Filter(From = nameof(Readings))]
            public static bool Dedupe(Reading reading, OperatorListState<string> recent)
            {
                if (recent.Items.Contains(reading.Sensor)) return false;
                recent.Add(reading.Sensor);
                return true;
            }

            [Process(From = nameof(Dedupe))]
            public static void Batch(Reading reading, OperatorListState<Reading> pending, Collector<List<Reading>> output)
            {
                pending.Add(reading);
                if (pending.Count < 3) return;
                output.Emit([.. pending.Items]);
                pending.Clear();
            }

            private static int Size(List<Reading> batch) => batch.Count;

            [Map(From = nameof(Batch), KeyBy = nameof(Size))]
            public static long Count(List<Reading> batch, ValueState<long> perSize, OperatorListState<(int Size, long Seen)> seen)
            {
                perSize.Value++;
                seen.Add((batch.Count, perSize.Value));
                return perSize.Value;
            }

            [Sink(From = nameof(Count))]
            public static QueueSink<long> Out() => new();
        }
        """, "Samples.Buffering.DslFlow.g.cs");

    /// <summary>
    /// Under <c>Unaligned = true</c> every chain that reads from channels passes its input serializer (a user record's
    /// generated class, shared with state; a tuple's composite; a built-in), and a chained edge needs none.
    /// </summary>
    [Fact]
    public void UnalignedRecordSerializers() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public sealed record Trade(string Symbol, long Quantity, decimal Price);

        [Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 1000, Unaligned = true)]
        public partial class Trading
        {
            [Source]
            public static ArraySource<Trade> Trades() => new(new Trade("a", 1, 2.5m));

            [Filter(From = nameof(Trades))]
            public static bool Large(Trade trade) => trade.Quantity > 0;

            private static string Symbol(Trade trade) => trade.Symbol;

            [Process(From = nameof(Large), KeyBy = nameof(Symbol))]
            public static void Total(Trade trade, ValueState<Trade> last, Collector<(string Symbol, decimal Total)> output)
            {
                last.Value = trade;
                output.Emit((trade.Symbol, trade.Quantity * trade.Price));
            }

            [Map(From = nameof(Total), Partitioning = Partitioning.Rebalance)]
            public static string Format((string Symbol, decimal Total) total) => total.Symbol + "=" + total.Total;

            [Sink(From = nameof(Format))]
            public static QueueSink<string> Out() => new();

            [Sink(From = nameof(Format), Parallelism = 1)]
            public static QueueSink<string> Audit() => new();
        }
        """, "Samples.Trading.DslFlow.g.cs");

    [Fact]
    public void EventTimeTimers() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public sealed record Order(string Id, long Time, bool Paid);

        [Pipeline(DefaultParallelism = 2)]
        public static partial class Timeouts
        {
            [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 5_000, IdleTimeoutMs = 30_000)]
            public static ArraySource<Order> Orders() => new(new Order("a", 1, false));

            public static long TimeOf(Order order) => order.Time;

            public static string IdOf(Order order) => order.Id;

            [Process(nameof(Orders), KeyBy = nameof(IdOf))]
            public static void Track(Order order, ValueState<bool> paid, Collector<string> output, TimerService timers)
            {
                paid.Value |= order.Paid;
                timers.RegisterEventTimeTimer(order.Time + 60_000);
            }

            [OnTimer(nameof(Track))]
            public static void Expire(long time, string id, Collector<string> output, ValueState<bool> paid)
            {
                if (!paid.Value) output.Emit($"{id} timed out at {time}");
            }

            [Sink(nameof(Track))]
            public static QueueSink<string> Out() => new();
        }
        """, "Samples.Timeouts.DslFlow.g.cs");

    [Fact]
    public void EventTimeSessionWindows() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public sealed record Click(string User, long Time);

        public readonly record struct Session(string User, long Start, long End, int Clicks);

        public readonly record struct Tally(int Clicks, long Last);

        [Pipeline(DefaultParallelism = 2)]
        public static partial class Sessions
        {
            [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 5_000)]
            public static ArraySource<Click> Clicks() => new(new Click("a", 1));

            public static long TimeOf(Click click) => click.Time;

            public static string UserOf(Click click) => click.User;

            [Window(nameof(Clicks), KeyBy = nameof(UserOf), GapMs = 30_000, AllowedLatenessMs = 10_000, Result = nameof(Emit), Merge = nameof(Add))]
            public static Tally Count(Click click, Tally tally) => new(tally.Clicks + 1, System.Math.Max(tally.Last, click.Time));

            public static Session Emit(string user, TimeWindow window, Tally tally) => new(user, window.Start, window.End, tally.Clicks);

            public static Tally Add(Tally a, Tally b) => new(a.Clicks + b.Clicks, System.Math.Max(a.Last, b.Last));

            [Sink(nameof(Count))]
            public static QueueSink<Session> Out() => new();
        }
        """, "Samples.Sessions.DslFlow.g.cs");

    [Fact]
    public void FullWindowFunctionWithLateRecords() => Verify("""
        using System.Collections.Generic;
        using DslFlow;
        using Fixtures;

        namespace Samples;

        public sealed record Reading(string Sensor, long Time, double Value);

        [Pipeline(DefaultParallelism = 2)]
        public static partial class Medians
        {
            [Source, Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1_000)]
            public static ArraySource<Reading> Readings() => new(new Reading("a", 1, 2.0));

            public static long TimeOf(Reading reading) => reading.Time;

            public static string SensorOf(Reading reading) => reading.Sensor;

            [Window(nameof(Readings), KeyBy = nameof(SensorOf), SizeMs = 60_000, LateRecords = "LateReadings")]
            public static void Median(string sensor, TimeWindow window, IReadOnlyList<Reading> elements, Collector<string> output)
            {
                output.Emit($"{sensor} {window} {elements.Count}");
            }

            [Sink(nameof(Median))]
            public static QueueSink<string> Out() => new();

            [Sink("LateReadings", Parallelism = 1)]
            public static QueueSink<Reading> Late() => new();
        }
        """, "Samples.Medians.DslFlow.g.cs");

    [Fact]
    public void TimestampsAssignedAfterTheSource() => Verify("""
        using DslFlow;
        using Fixtures;

        namespace Samples;

        [Pipeline]
        public static partial class Stamping
        {
            [Source]
            public static ArraySource<string> Lines() => new("a,1", "b,2");

            [Map(nameof(Lines)), Watermarks(nameof(TimeOf), OutOfOrdernessMs = 1_000)]
            public static (string Key, long Time) Parse(string line) => (line.Split(',')[0], long.Parse(line.Split(',')[1]));

            public static long TimeOf((string Key, long Time) e) => e.Time;

            public static string KeyOf((string Key, long Time) e) => e.Key;

            [Process(nameof(Parse), KeyBy = nameof(KeyOf))]
            public static void Window((string Key, long Time) e, Collector<string> output, TimerService timers) => timers.RegisterEventTimeTimer(e.Time + 10);

            [OnTimer(nameof(Window))]
            public static void Fire(long time, string key, Collector<string> output) => output.Emit(key);

            [Map(nameof(Window)), Watermarks(nameof(LengthTime), OutOfOrdernessMs = 5)]
            public static string Again(string key) => key;

            public static long LengthTime(string key) => key.Length;

            [Sink(nameof(Again))]
            public static QueueSink<string> Out() => new();
        }
        """, "Samples.Stamping.DslFlow.g.cs");

    private static void Verify(string source, string expectedHintName, [CallerFilePath] string file = "", [CallerMemberName] string method = "")
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertGeneratorQuiet();
        GeneratedSourceResult generated = Assert.Single(run.GeneratedSources);
        Assert.Equal(expectedHintName, generated.HintName);
        run.AssertCompilesCleanly();
        SnapshotAssert.Match(generated.SourceText.ToString(), generated.HintName, file, method);
    }
}
