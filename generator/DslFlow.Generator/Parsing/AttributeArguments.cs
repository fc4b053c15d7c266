using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.Generator.Parsing;

/// <summary>Finds attribute arguments in syntax, so a problem points at the argument to fix rather than the whole member.</summary>
internal static class AttributeArguments
{
    public static Location? OfAttribute(AttributeData? attribute, CancellationToken cancellationToken) =>
        attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();

    /// <summary>The named argument <c>Name = value</c>, or null when absent.</summary>
    public static Location? Named(AttributeData? attribute, string name, CancellationToken cancellationToken) =>
        Syntax(attribute, cancellationToken)?.ArgumentList?.Arguments
            .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation();

    /// <summary>
    /// The expression naming an upstream (<paramref name="argumentName"/> "From": a positional argument or <c>From =</c>)
    /// or a key selector ("KeyBy"): <c>"Name"</c> or <c>nameof(Name)</c>.
    /// </summary>
    public static Location? NameReference(AttributeData? attribute, string value, string argumentName, CancellationToken cancellationToken)
    {
        AttributeArgumentListSyntax? list = Syntax(attribute, cancellationToken)?.ArgumentList;
        if (list is null)
        {
            return null;
        }
        foreach (AttributeArgumentSyntax argument in list.Arguments)
        {
            string? named = argument.NameEquals?.Name.Identifier.ValueText;
            bool inSlot = argumentName == "From" ? named is null or "From" : named == argumentName;
            if (!inSlot)
            {
                continue;
            }
            if (Names(argument.Expression, value))
            {
                return argument.Expression.GetLocation();
            }
        }
        return null;
    }

    private static bool Names(ExpressionSyntax expression, string value) => expression switch
    {
        LiteralExpressionSyntax literal => literal.Token.ValueText == value,
        InvocationExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.ValueText: "nameof" } } invocation
            when invocation.ArgumentList.Arguments.Count == 1 => LastName(invocation.ArgumentList.Arguments[0].Expression) == value,
        _ => false,
    };

    private static string? LastName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
        _ => null,
    };

    private static AttributeSyntax? Syntax(AttributeData? attribute, CancellationToken cancellationToken) =>
        attribute?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
}
