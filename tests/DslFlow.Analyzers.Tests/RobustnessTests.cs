using DslFlow.Analyzers.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit.Abstractions;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// Code as it is typed in an IDE: the sample pipelines with a token deleted, cut off mid-way, with types swapped,
/// attribute arguments removed or junk inserted. For every variant the generator and the analyzers must not throw,
/// and no compile error may be located in a generated file (invalid input generates nothing; the analyzers explain).
/// Variants are sampled with a printed seed (set DSLFLOW_ROBUSTNESS_SEED to replay) to keep the run short
/// (DSLFLOW_ROBUSTNESS_SCALE=10 runs ten times as many).
/// </summary>
public class RobustnessTests(ITestOutputHelper output)
{
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    private const string Checkpointed = """
        using DslFlow;

        namespace Robust;

        [Pipeline(DefaultParallelism = 2, MaxParallelism = 16)]
        [Checkpointing(IntervalMs = 500, Mode = CheckpointingMode.ExactlyOnce, Unaligned = true, AlignedTimeoutMs = 100, TimeoutMs = 6000, MinPauseMs = 10)]
        public sealed partial class Sessions
        {
            private static int seen;

            [Source(Parallelism = 1)]
            public static SequenceSource Numbers() => new(0, 1000);

            [Filter(nameof(Numbers))]
            public static bool Even(long n) => n % 2 == 0;

            public static (int Bucket, bool Odd) Bucket(long n) => ((int)(n % 7), n % 2 == 1);

            [Map(nameof(Even), nameof(Numbers), KeyBy = nameof(Bucket))]
            public static (int Bucket, long Sum) Sum(long n, ValueState<long> sum, MapState<string, Entry> names, ListState<long> recent, ValueState<Stats> stats)
            {
                sum.Value += n;
                seen++;
                stats.Value = new Stats(stats.Value?.Count + 1 ?? 1, [n.ToString()]) { Mean = sum.Value / 2.0, Previous = stats.Value };
                names[n.ToString()] = new Entry { Name = "n", Hits = (int)n, Kind = EntryKind.Even };
                return ((int)(n % 7), sum.Value);
            }

            [Process(From = nameof(Sum), Partitioning = Partitioning.Rebalance)]
            public static void Report((int Bucket, long Sum) s, Collector<string> output)
            {
                if (s.Sum > 100) output.Emit($"{s.Bucket}: {s.Sum}");
            }

            [Sink(nameof(Report), AcceptAtLeastOnce = true)]
            public static ConsoleSink<string> Print() => new(x => x);

            [Sink(nameof(Sum))]
            public static CollectSink<(int Bucket, long Sum)> Collect() => new();
        }

        public record Stats(long Count, List<string> Names)
        {
            public double Mean { get; init; }
            public Stats? Previous { get; init; }
            public string Label => Count + " items";
        }

        public enum EntryKind : byte { Odd, Even }

        public sealed class Entry
        {
            public string Name { get; set; } = "";
            public int Hits { get; set; }
            public EntryKind Kind { get; init; }
            public (long First, DateTime? At) Window { get; set; }
        }
        """;

    [Fact]
    public async Task MalformedVariantsNeverThrowAndNeverBreakGeneratedCode()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("DSLFLOW_ROBUSTNESS_SEED"), out int s) ? s : Environment.TickCount;
        output.WriteLine($"seed {seed} (replay with DSLFLOW_ROBUSTNESS_SEED={seed})");
        var random = new Random(seed);
        int scale = int.TryParse(Environment.GetEnvironmentVariable("DSLFLOW_ROBUSTNESS_SCALE"), out int x) && x > 0 ? x : 1; // more variants, locally
        string root = Root();
        string sample = File.ReadAllText(Path.Combine(root, "samples", "WordCount", "WordCountPipeline.cs"));
        string[] support = ["LatestCountSink.cs", "Corpus.cs"];

        CSharpCompilation baseline = Analysis.Compile(
            [GlobalUsings, .. support.Select(f => File.ReadAllText(Path.Combine(root, "samples", "WordCount", f))), sample, Checkpointed]);
        SyntaxTree[] targets = [baseline.SyntaxTrees[3], baseline.SyntaxTrees[4]];

        // Both seeds are valid pipelines: generated, and without errors anywhere.
        AnalysisRun clean = await Analysis.RunAsync(baseline);
        Assert.Equal(2, clean.GeneratedTrees.Count());
        Assert.Empty(clean.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        int variants = 0;
        foreach (SyntaxTree target in targets)
        {
            foreach ((string kind, string text) in Variants(target, random, scale).Take(110 * scale))
            {
                variants++;
                CSharpCompilation compilation = baseline.ReplaceSyntaxTree(target, target.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(text)));
                AnalysisRun run = await Analysis.RunAsync(compilation);
                string context = $"{kind} variant of {Path.GetFileName(target.FilePath)} (seed {seed}):\n{text}";

                Assert.True(run.Generator.Results[0].Exception is null, $"generator threw on the {context}\n{run.Generator.Results[0].Exception}");
                Assert.True(run.AnalyzerExceptions.Count == 0, $"an analyzer threw on the {context}\n{string.Join("\n", run.AnalyzerExceptions)}");
                Assert.DoesNotContain(run.AnalyzerDiagnostics, d => d.Id == "AD0001");
                foreach (SyntaxTree generated in run.GeneratedTrees)
                {
                    var errors = run.Output.GetSemanticModel(generated).GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                    Assert.True(errors.Count == 0, $"error in generated code for the {context}\n{string.Join("\n", errors)}\n{generated}");
                }
            }
        }
        output.WriteLine($"{variants} variants checked");
    }

    /// <summary>Sampled malformed versions of one file, the kind first.</summary>
    private static IEnumerable<(string Kind, string Text)> Variants(SyntaxTree tree, Random random, int scale)
    {
        string text = tree.GetText().ToString();
        SyntaxNode root = tree.GetRoot();
        var tokens = root.DescendantTokens().Where(t => t.Span.Length > 0).ToList();
        var arguments = root.DescendantNodes().OfType<AttributeArgumentSyntax>().ToList();
        var types = root.DescendantNodes().OfType<PredefinedTypeSyntax>().ToList();
        string[] replacements = ["int", "string", "long", "object", "bool", "void"];
        string[] junk = ["(", ")", "{", "}", ",", ";", "[", "]", "=", "\"", "static", "partial", "<", "nameof(", "@"];

        var all = new List<(string, string)>();
        foreach (SyntaxToken token in Sample(tokens, 60 * scale, random))
        {
            all.Add(("deleted-token", text.Remove(token.SpanStart, token.Span.Length)));
        }
        foreach (AttributeArgumentSyntax argument in arguments)
        {
            all.Add(("missing-argument", text.Remove(argument.SpanStart, argument.Span.Length)));
        }
        foreach (PredefinedTypeSyntax type in Sample(types, 12 * scale, random))
        {
            all.Add(("wrong-type", text.Remove(type.SpanStart, type.Span.Length).Insert(type.SpanStart, replacements[random.Next(replacements.Length)])));
        }
        for (int i = 0; i < 12 * scale; i++)
        {
            all.Add(("unfinished", text.Substring(0, random.Next(text.Length))));
        }
        for (int i = 0; i < 10 * scale; i++)
        {
            all.Add(("junk", text.Insert(random.Next(text.Length), junk[random.Next(junk.Length)])));
        }
        return all.OrderBy(_ => random.Next());
    }

    private static IEnumerable<T> Sample<T>(List<T> items, int count, Random random) =>
        items.OrderBy(_ => random.Next()).Take(count);

    private static string Root()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "DslFlow.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("DslFlow.sln not found");
    }
}
