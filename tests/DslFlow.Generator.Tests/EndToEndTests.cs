using System.Collections;
using System.Reflection;
using DslFlow.Generator.Tests.Infrastructure;

namespace DslFlow.Generator.Tests;

/// <summary>
/// Compiles pipelines with the generator in memory, loads them and runs them on the real runtime: the generated
/// graph, chains, output indexes, routing and keyed state must agree with what the runtime expects.
/// </summary>
public class EndToEndTests
{
    [Fact]
    public async Task WordCountCountsEveryWordAcrossSubtasks()
    {
        string[] lines = ["a b a", "c b a", "", "d a", "b b"];
        JobHandle job = Start("""
            using System;
            using System.Collections.Generic;
            using DslFlow;
            using Fixtures;

            [Pipeline(DefaultParallelism = 2)]
            public static partial class WordCount
            {
                [Source]
                public static ArraySource<string> Lines() => new("a b a", "c b a", "", "d a", "b b");

                [FlatMap(From = nameof(Lines))]
                public static IEnumerable<string> Split(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

                [Map(From = nameof(Split), KeyBy = nameof(Word), Parallelism = 3)]
                public static (string Word, long Count) Count(string word, ValueState<long> count)
                {
                    count.Value++;
                    return (word, count.Value);
                }

                private static string Word(string word) => word;

                [Process(From = nameof(Count), Parallelism = 3)]
                public static void Format((string Word, long Count) c, Collector<string> output) => output.Emit($"{c.Word}={c.Count}");

                [Sink(From = nameof(Format), Parallelism = 3)]
                public static QueueSink<string> Out() => new();
            }
            """, "WordCount");
        await Complete(job);

        var expected = lines.SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(w => w)
            .SelectMany(g => Enumerable.Range(1, g.Count()).Select(n => $"{g.Key}={n}"))
            .Order()
            .ToList();
        Assert.Equal(expected, Collected<string>(job, "Out").Order().ToList());
    }

    [Fact]
    public async Task FanInFilterBroadcastAndRebalanceDeliverEveryRecord()
    {
        JobHandle job = Start("""
            using System.Linq;
            using DslFlow;
            using Fixtures;

            [Pipeline(DefaultParallelism = 2)]
            public partial class Routing
            {
                [Source(Parallelism = 1)]
                public static ArraySource<long> Low() => new(Enumerable.Range(1, 500).Select(i => (long)i).ToArray());

                [Source(Parallelism = 3)]
                public static ArraySource<long> High() => new(Enumerable.Range(501, 500).Select(i => (long)i).ToArray());

                [Filter(nameof(Low), nameof(High))]
                public static bool Even(long n) => n % 2 == 0;

                [Map(From = nameof(Even), Partitioning = Partitioning.Broadcast)]
                public static long Same(long n) => n;

                [Map(From = nameof(Same), Partitioning = Partitioning.Rebalance, Parallelism = 3)]
                public static string Text(long n) => n.ToString();

                [Sink(From = nameof(Text), Parallelism = 3)]
                public static QueueSink<string> Out() => new();

                [Sink(From = nameof(Even), Parallelism = 1)]
                public static QueueSink<long> Evens() => new();
            }
            """, "Routing");
        await Complete(job);

        var evens = Enumerable.Range(1, 1000).Where(n => n % 2 == 0).ToList();
        Assert.Equal(evens.Select(n => (long)n), Collected<long>(job, "Evens").Order());
        // Broadcast to the 2 subtasks of Same: every even number arrives twice.
        Assert.Equal(evens.SelectMany(n => new[] { n, n }), Collected<string>(job, "Out").Select(int.Parse).Order());
    }

    [Fact]
    public async Task TupleKeyedListAndMapStateSeeOneKeyPerCell()
    {
        JobHandle job = Start("""
            using System.Linq;
            using DslFlow;
            using Fixtures;

            public enum Shade { Light, Dark }

            [Pipeline(MaxParallelism = 16)]
            public partial class Sessions
            {
                [Source]
                public static ArraySource<(string User, Shade Shade, int N)> Events() =>
                    new(Enumerable.Range(0, 300).Select(i => ("u" + (i % 7), (Shade)(i % 2), i)).ToArray());

                private static (string, Shade) UserShade((string User, Shade Shade, int N) e) => (e.User, e.Shade);

                [Process(From = nameof(Events), KeyBy = nameof(UserShade), Parallelism = 4)]
                public static void Track((string User, Shade Shade, int N) e, ListState<int> seen, MapState<string, int> last, Collector<string> output)
                {
                    seen.Add(e.N);
                    last[e.User] = e.N;
                    if (seen.Count == 1 && last.Count == 1) output.Emit($"{e.User}/{e.Shade}");
                    if (seen.Items.Any(n => n % 7 != e.N % 7 || n % 2 != e.N % 2)) output.Emit("mixed keys!");
                }

                [Sink(From = nameof(Track), KeyBy = nameof(Self))]
                public static QueueSink<string> Out() => new();

                private static string Self(string s) => s;
            }
            """, "Sessions");
        await Complete(job);

        var expected = Enumerable.Range(0, 14).Select(i => $"u{i % 7}/{(i % 2 == 0 ? "Light" : "Dark")}").Order();
        Assert.Equal(expected, Collected<string>(job, "Out").Order());
    }

    [Fact]
    public async Task TangledChainsRouteEveryOutputToItsEdge()
    {
        JobHandle job = Start(ChainPlannerTests.Tangled, "Samples.Tangled");
        await Complete(job);

        int[] input = [1, 2, 3, 4];
        Assert.Equal(input.Select(x => x * 10L), Collected<long>(job, "D").Order());
        Assert.Equal(input.Select(x => (long)-x).Order(), Collected<long>(job, "F").Order());
        Assert.Equal(input.Select(x => "b" + x), Collected<string>(job, "BOut").Order());
        Assert.Equal(input.Select(x => "g" + x * 10).Concat(input.Select(x => "g" + -x)).Order(), Collected<string>(job, "GOut").Order());
        // Running sums per key (x * 10 % 3): keys 1 → 10, 40 (sum 50); 2 → 20; 0 → 30.
        Assert.Equal(new double[] { 10, 20, 30, 50 }, Collected<double>(job, "COut").Order());
    }

    [Fact]
    public async Task BuiltInSequenceSourceAndCollectSinkAreFoundThroughTheirInterfaces()
    {
        JobHandle job = Start("""
            using DslFlow;

            [Pipeline(DefaultParallelism = 2)]
            public static partial class Modulo
            {
                [Source] public static SequenceSource Numbers() => new(0, 10_000);

                private static long Bucket(long n) => n % 10;

                [Map(From = nameof(Numbers), KeyBy = nameof(Bucket))]
                public static (long Bucket, long Count) Count(long n, ValueState<long> count) => (n % 10, ++count.Value);

                [Sink(From = nameof(Count))] public static CollectSink<(long Bucket, long Count)> Out() => new();
            }
            """, "Modulo");
        await Complete(job);

        var final = job.GetNode<CollectSink<(long Bucket, long Count)>>("Out").Results
            .GroupBy(r => r.Bucket).ToDictionary(g => g.Key, g => g.Max(r => r.Count));
        Assert.Equal(Enumerable.Range(0, 10).ToDictionary(b => (long)b, _ => 1_000L), final);
    }

    [Fact]
    public async Task RunAsyncFailsNamingTheNodeAndItsInputRecord()
    {
        GeneratorRun run = GeneratorHarness.Run("""
            using System;
            using DslFlow;
            using Fixtures;

            [Pipeline]
            public partial class Failing
            {
                [Source]
                public static ArraySource<int> Numbers() => new(1, 2, 3, 4);

                [Map(From = nameof(Numbers))]
                public static int Double(int n) => n * 2;

                [Map(From = nameof(Double))]
                public static int Explode(int n) => n == 6 ? throw new InvalidOperationException("boom") : n;

                [Sink(From = nameof(Explode))]
                public static QueueSink<int> Out() => new();
            }
            """);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        MethodInfo runAsync = run.EmitAndLoad().GetType("Failing")!.GetMethod("RunAsync")!;

        var failure = await Assert.ThrowsAsync<PipelineExecutionException>(() =>
            ((Task<JobResult>)runAsync.Invoke(null, [null, CancellationToken.None])!).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("Explode", failure.NodeName);
        Assert.Equal("6", failure.Record);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        // The chain class says what it runs, so a stack trace does too.
        Assert.Contains("__Chain_Numbers_Double_Explode_Out", failure.InnerException!.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void ChainClassNamesPastTheLengthLimitAreCutAndGetTheChainIndex()
    {
        string longName = "Stage" + new string('x', 120);
        GeneratorRun run = GeneratorHarness.Run($$"""
            using DslFlow;
            using Fixtures;

            [Pipeline]
            public partial class Long
            {
                [Source]
                public static ArraySource<int> Numbers() => new(1, 2);

                [Map(From = nameof(Numbers))]
                public static int {{longName}}(int n) => n;

                [Sink(From = nameof({{longName}}))]
                public static QueueSink<int> Out() => new();
            }
            """);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        string generated = Assert.Single(run.GeneratedSources).SourceText.ToString();
        string expected = ("__Chain_Numbers_" + longName)[..97] + "__0";
        Assert.Equal(100, expected.Length);
        Assert.Contains($"private sealed class {expected} :", generated, StringComparison.Ordinal);
    }

    private static JobHandle Start(string source, string pipeline)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        Type type = run.EmitAndLoad().GetType(pipeline)!;
        MethodInfo start = type.GetMethod("Start")!;
        return (JobHandle)start.Invoke(null, [null, CancellationToken.None])!;
    }

    /// <summary>Waits for the job; a hang fails the test with every subtask's figures instead of blocking the run.</summary>
    internal static async Task Complete(JobHandle job)
    {
        try
        {
            await job.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            JobProgress progress = job.GetProgress();
            job.Cancel();
            Assert.Fail("The job did not finish in 30 s:\n" + string.Join("\n", progress.Tasks));
        }
    }

    private static IEnumerable<T> Collected<T>(JobHandle job, string sink)
    {
        object node = job.GetNode<object>(sink);
        return ((IEnumerable)node.GetType().GetProperty("Items")!.GetValue(node)!).Cast<T>();
    }
}
