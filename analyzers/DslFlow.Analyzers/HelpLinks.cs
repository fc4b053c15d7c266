using System;
using System.Collections.Concurrent;
using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DslFlow.Analyzers;

/// <summary>
/// Points each reported diagnostic's help link at the rule's page where the pages are: the DslFlow package (and this
/// repository, through <c>Directory.Build.targets</c>) sets the MSBuild property <c>DslFlowDiagnosticsDocs</c> to the
/// folder of the installed <c>docs/diagnostics/*.md</c>, so the link opens the page of the installed version, offline.
/// Without the property, or with an http(s) base in it, the link is <c>{base}{id}.md</c> (default
/// <see cref="DiagnosticDescriptors.HelpLinkBase"/>). Roslyn matches reported diagnostics to the supported ones by id,
/// so a copy of a descriptor with another help link reports as the same rule.
/// </summary>
internal static class HelpLinks
{
    public const string Property = "build_property.DslFlowDiagnosticsDocs";

    private static readonly ConcurrentDictionary<(string Base, string Id), DiagnosticDescriptor> Cache = new();

    /// <summary>The help-link base configured for this compilation, or null for the descriptors' default.</summary>
    public static string? BaseFor(AnalyzerOptions options)
    {
        if (!options.AnalyzerConfigOptionsProvider.GlobalOptions.TryGetValue(Property, out string? value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        value = value.Trim();
        if (value.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return value.EndsWith("/", StringComparison.Ordinal) ? value : value + "/";
        }
        try
        {
            string folder = Path.GetFullPath(value); // string work only: nothing is read from disk
            return new Uri(folder.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? folder : folder + Path.DirectorySeparatorChar).AbsoluteUri;
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or UriFormatException or PathTooLongException)
        {
            return null; // an unusable value keeps the default link rather than failing the analysis
        }
    }

    /// <summary><paramref name="descriptor"/> with its help link under <paramref name="linkBase"/> (itself when null).</summary>
    public static DiagnosticDescriptor Apply(DiagnosticDescriptor descriptor, string? linkBase) =>
        linkBase is null ? descriptor : Cache.GetOrAdd((linkBase, descriptor.Id), key => new DiagnosticDescriptor(
            descriptor.Id, descriptor.Title, descriptor.MessageFormat, descriptor.Category, descriptor.DefaultSeverity,
            descriptor.IsEnabledByDefault, descriptor.Description, key.Base + key.Id + ".md", [.. descriptor.CustomTags]));
}
