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
            string area = d.Id[4] switch { '0' => DiagnosticDescriptors.InternalCategory, '1' => DiagnosticDescriptors.CheckpointingCategory, '2' => DiagnosticDescriptors.WiringCategory, '3' => DiagnosticDescriptors.StateCategory, '4' => DiagnosticDescriptors.SinksCategory, '5' => DiagnosticDescriptors.TimeCategory, _ => "?" };
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

    [Fact]
    public async Task Help_links_open_the_page_of_the_installed_docs_when_the_build_says_where_they_are()
    {
        string docs = Path.Combine(RepositoryRoot, "docs", "diagnostics") + Path.DirectorySeparatorChar;
        var options = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions([], new ConfiguredOptions(HelpLinks.Property, docs));
        DiagnosticDescriptor linked = HelpLinks.Apply(DiagnosticDescriptors.PipelineNotPartial, HelpLinks.BaseFor(options));
        var page = new Uri(linked.HelpLinkUri);
        Assert.True(page.IsFile);
        Assert.True(File.Exists(page.LocalPath), $"{page} does not open a page");
        Assert.Equal(DiagnosticDescriptors.PipelineNotPartial.Id, linked.Id);
        Assert.Same(linked, HelpLinks.Apply(DiagnosticDescriptors.PipelineNotPartial, HelpLinks.BaseFor(options)));

        var web = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions([], new ConfiguredOptions(HelpLinks.Property, "https://docs.example/rules"));
        Assert.Equal("https://docs.example/rules/DSLF2001.md", HelpLinks.Apply(DiagnosticDescriptors.PipelineNotPartial, HelpLinks.BaseFor(web)).HelpLinkUri);
        var none = new Microsoft.CodeAnalysis.Diagnostics.AnalyzerOptions([], new ConfiguredOptions(null, null));
        Assert.Same(DiagnosticDescriptors.PipelineNotPartial, HelpLinks.Apply(DiagnosticDescriptors.PipelineNotPartial, HelpLinks.BaseFor(none)));
        await Task.CompletedTask;
    }

    [Fact]
    public void The_repository_and_the_package_point_the_help_links_at_the_docs()
    {
        Assert.Contains("<DslFlowDiagnosticsDocs>$(MSBuildThisFileDirectory)docs/diagnostics/</DslFlowDiagnosticsDocs>",
            File.ReadAllText(Path.Combine(RepositoryRoot, "Directory.Build.targets")));
        string props = File.ReadAllText(Path.Combine(RepositoryRoot, "runtime", "DslFlow.Runtime", "build", "DslFlow.props"));
        Assert.Contains("$(MSBuildThisFileDirectory)../docs/diagnostics/", props);
        Assert.Contains("<CompilerVisibleProperty Include=\"DslFlowDiagnosticsDocs\" />", props);
    }

    private sealed class ConfiguredOptions(string? key, string? value) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptionsProvider
    {
        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GlobalOptions { get; } = new Options(key, value);

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(SyntaxTree tree) => GlobalOptions;

        public override Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions GetOptions(AdditionalText textFile) => GlobalOptions;

        private sealed class Options(string? key, string? value) : Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions
        {
            public override bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? result)
            {
                result = name == key ? value : null;
                return result is not null;
            }
        }
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
