using DslFlow.Analyzers.Tests.Infrastructure;
using DslFlow.Generator.Parsing;

namespace DslFlow.Analyzers.Tests;

/// <summary>
/// The runtime validates checkpoint configuration at start (<see cref="CheckpointConfig.Resolve"/>) with the same rules
/// and texts as the analyzer: the two must report the same message for the same settings.
/// </summary>
public class SharedMessageTests
{
    public static TheoryData<string, CheckpointDeclaration> Cases => new()
    {
        { "Mode = CheckpointingMode.AtLeastOnce, Unaligned = true", Declaration(mode: CheckpointingMode.AtLeastOnce, unaligned: true) },
        { "AlignedTimeoutMs = 200", Declaration(alignedTimeoutMs: 200) },
        { "Unaligned = true, MaxConcurrentCheckpoints = 3", Declaration(unaligned: true, maxConcurrent: 3) },
        { "TimeoutMs = 0", Declaration(timeoutMs: 0) },
        { "MinPauseMs = -7", Declaration(minPauseMs: -7) },
        { "TolerableFailedCheckpoints = -1", Declaration(tolerable: -1) },
        { "MaxConcurrentCheckpoints = 0", Declaration(maxConcurrent: 0) },
        { "RetainedCheckpoints = 0", Declaration(retained: 0) },
        { "Unaligned = true, AlignedTimeoutMs = -3", Declaration(unaligned: true, alignedTimeoutMs: -3) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RuntimeValidationReportsTheAnalyzersMessage(string arguments, CheckpointDeclaration declaration)
    {
        AnalysisRun run = await Analysis.RunAsync(Verify.Usings + $$"""
            [Pipeline, Checkpointing(IntervalMs = 1000, {{arguments}})]
            public partial class P
            {
                [Source] static Numbers S() => new();
                [Sink(nameof(S))] static CommittedOut<int> Out() => new();
            }
            """ + Fixtures.Types);
        var analyzer = run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal))
            .Select(d => $"{d.Id}: {d.GetMessage()}").ToList();
        Assert.NotEmpty(analyzer);

        var runtime = new List<string>();
        try
        {
            CheckpointConfig.Resolve(declaration, null, out IReadOnlyList<string> warnings);
            runtime.AddRange(warnings);
        }
        catch (ArgumentException ex)
        {
            runtime.AddRange(ex.Message.Split(Environment.NewLine));
        }

        // The runtime throws on errors before it collects warnings, so compare errors when there are any.
        bool hasErrors = run.AnalyzerDiagnostics.Any(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        var expected = hasErrors
            ? run.AnalyzerDiagnostics.Where(d => d.Id.StartsWith("DSLF1", StringComparison.Ordinal) && d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => $"{d.Id}: {d.GetMessage()}").ToList()
            : analyzer;
        Assert.Equal(expected.Order(), runtime.Order());
    }

    [Fact]
    public void DescriptorsCoverEveryCheckpointRuleWithTheRuntimeSeverity()
    {
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, DiagnosticSeverityOf(DiagnosticIds.UnalignedRequiresExactlyOnce));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, DiagnosticSeverityOf(DiagnosticIds.AlignedTimeoutRequiresUnaligned));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, DiagnosticSeverityOf(DiagnosticIds.UnalignedRequiresOneConcurrent));
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, DiagnosticSeverityOf(DiagnosticIds.CheckpointValueOutOfRange));
    }

    private static Microsoft.CodeAnalysis.DiagnosticSeverity DiagnosticSeverityOf(string id) =>
        DiagnosticDescriptors.ParserRules[id].DefaultSeverity;

    private static CheckpointDeclaration Declaration(CheckpointingMode mode = CheckpointingMode.ExactlyOnce, int timeoutMs = 600_000, int minPauseMs = 0,
        int maxConcurrent = 1, int tolerable = 0, int retained = 1, bool unaligned = false, int alignedTimeoutMs = -1) =>
        new(1000, mode, timeoutMs, minPauseMs, maxConcurrent, tolerable, retained, unaligned, alignedTimeoutMs, null);
}
