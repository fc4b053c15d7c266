using System.Linq;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Emit;

/// <summary>Small pieces of C# text.</summary>
internal static class CodeText
{
    public const string GeneratedCode = "[global::System.CodeDom.Compiler.GeneratedCode(\"DslFlow.Generator\", \"0.1.0\")]";

    /// <summary>An identifier, escaped with <c>@</c> when it is a keyword.</summary>
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    public static string Literal(string? value) =>
        value is null ? "null" : SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>The stable hash of the key in <paramref name="key"/> (an expression), per the runtime's <c>StableHash</c>.</summary>
    public static string Hash(KeyHashModel hash, string key) => hash.Kind switch
    {
        KeyHashKind.Enum => $"global::DslFlow.StableHash.Of((long){key})",
        KeyHashKind.StableKey => $"global::DslFlow.StableHash.OfKey({key})",
        KeyHashKind.Tuple => hash.Elements
            .Select((element, i) => Hash(element, $"{key}.Item{i + 1}"))
            .Aggregate((combined, next) => $"global::DslFlow.StableHash.Combine({combined}, {next})"),
        _ => $"global::DslFlow.StableHash.Of({key})",
    };

    /// <summary>The key group of the key in <paramref name="key"/>.</summary>
    public static string KeyGroup(KeySelectorModel selector, string key, string maxParallelism) =>
        $"global::DslFlow.KeyGroups.Assign({Hash(selector.Hash, key)}, {maxParallelism})";

    public static string NodeKind(NodeKind kind) => "global::DslFlow.NodeKind." + kind;

    public static string EdgeKind(EdgeKind kind) => "global::DslFlow.EdgePartitioning." + kind;
}
