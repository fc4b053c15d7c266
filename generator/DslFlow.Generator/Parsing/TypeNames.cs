using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;

namespace DslFlow.Generator.Parsing;

/// <summary>Turns type symbols into the strings the model holds.</summary>
internal static class TypeNames
{
    private static readonly SymbolDisplayFormat FullFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat DisplayFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static readonly SymbolDisplayFormat QualifiedFormat = new(
        globalNamespaceStyle: SymbolDisplayGlobalNamespaceStyle.Omitted,
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Compilable and <c>global::</c>-qualified, with nullable annotations.</summary>
    public static string Full(ITypeSymbol type) => type.ToDisplayString(FullFormat);

    /// <summary>Short and readable: <c>(string Word, long Count)</c>, <c>Outer.Item</c>.</summary>
    public static string Display(ITypeSymbol type) => type.ToDisplayString(DisplayFormat);

    /// <summary>With namespaces, for messages about types the user may not have declared: <c>System.IO.Stream</c>.</summary>
    public static string Qualified(ITypeSymbol type) => type.ToDisplayString(QualifiedFormat);

    public static TypeRef Ref(ITypeSymbol type) => new(Full(type), Display(type));

    public static ITypeSymbol WithoutNullableAnnotation(ITypeSymbol type) =>
        type.IsReferenceType ? type.WithNullableAnnotation(NullableAnnotation.NotAnnotated) : type;

    public static bool IsAnnotatedReference(ITypeSymbol type) =>
        type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated;
}
