using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Diagnostics;

/// <summary>
/// The one diagnostic the generator reports itself: everything about user code is the analyzers' to say (they share the
/// parser), but only the generator knows that its emitter failed. The analyzers' <c>DiagnosticDescriptors</c> lists it
/// too (this file is linked there), so it is tracked and documented with every other rule.
/// </summary>
internal static class GeneratorDiagnostics
{
    public const string InternalCategory = "DslFlow.Internal";

    /// <summary>{0} the pipeline class, {1} the exception type, {2} its message, {3} where it was thrown.</summary>
    // RS2008 (release tracking) is checked where this file is also compiled, DslFlow.Analyzers, whose release files list
    // every rule; giving the generator those files would flag all the analyzers' rules as unsupported here (RS2002).
#pragma warning disable RS2008
    public static readonly DiagnosticDescriptor GeneratorFailed = new(
        DiagnosticIds.GeneratorFailed,
        "The DslFlow generator failed",
        "The DslFlow generator failed on pipeline '{0}' ({1}: {2}{3}), so no code was generated for it. This is a bug in DslFlow; please report it with this message.",
        InternalCategory,
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: DiagnosticIds.HelpLinkBase + DiagnosticIds.GeneratorFailed + ".md");
#pragma warning restore RS2008
}
