using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace DslFlow.Analyzers.Tests;

/// <summary>Ids by area, one help page per rule, and release tracking that lists every rule with its severity.</summary>
public partial class DescriptorTests
{
    private static readonly string RepositoryRoot = FindRoot();

    public static IEnumerable<DiagnosticDescriptor> All =>
        typeof(DiagnosticDescriptors).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!);

    public static TheoryData<string> Ids => new(All.Select(d => d.Id));

    [Fact]
    public void IdsAreUniqueAndNumberedByArea()
    {
        Assert.Equal(All.Count(), All.Select(d => d.Id).Distinct().Count());
        foreach (DiagnosticDescriptor d in All)
        {
            Assert.Matches(@"^DSLF\d{4}$", d.Id);
            string area = d.Id[4] switch { '1' => DiagnosticDescriptors.CheckpointingCategory, '2' => DiagnosticDescriptors.WiringCategory, '3' => DiagnosticDescriptors.StateCategory, '4' => DiagnosticDescriptors.SinksCategory, _ => "?" };
            Assert.Equal(area, d.Category);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryRuleHasAHelpPageAndAReleaseEntry(string id)
    {
        DiagnosticDescriptor d = All.Single(x => x.Id == id);
        Assert.Equal(DiagnosticDescriptors.HelpLinkBase + id + ".md", d.HelpLinkUri);
        string page = Path.Combine(RepositoryRoot, "docs", "diagnostics", id + ".md");
        Assert.True(File.Exists(page), $"missing {page}");
        Assert.StartsWith($"# {id}", File.ReadAllText(page), StringComparison.Ordinal);

        string unshipped = File.ReadAllText(Path.Combine(RepositoryRoot, "analyzers", "DslFlow.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Matches($@"(?m)^{id} \| {Regex.Escape(d.Category)} \| {d.DefaultSeverity} \|", unshipped);
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "DslFlow.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("DslFlow.sln not found above " + AppContext.BaseDirectory);
    }
}
