namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF3001 (keyed state) and DSLF5001 on a [Process] node (timers) → <c>KeyBy = nameof(Selector)</c> on the node's
/// attribute: an existing static method of the pipeline that takes the node's input record and returns a key with a
/// stable hash, or else a generated selector stub.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddKeyByCodeFix)), Shared]
public sealed class AddKeyByCodeFix() : DslFlowCodeFix(DiagnosticIds.KeyedStateWithoutKeyBy, DiagnosticIds.TimerOnNonKeyedNode)
{
    public const string Key = "DslFlow.AddKeyBy";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, (root, model, diagnostic) =>
        {
            if (FixRegistration.Enclosing<MethodDeclarationSyntax>(root, diagnostic) is not { } method
                || model.GetDeclaredSymbol(method, context.CancellationToken) is not { Parameters.Length: > 0 } node
                || AttributeEditing.AttributeOf(method, model, t => t.ContainingNamespace?.Name == "DslFlow" && t.BaseType?.Name == "OperatorAttribute", context.CancellationToken) is not { } attribute
                || (diagnostic.Id == DiagnosticIds.TimerOnNonKeyedNode && !IsUnkeyedProcess(attribute, model, context.CancellationToken)))
            {
                return null; // timers on a map or filter need another node kind, not a key
            }
            ITypeSymbol input = node.Parameters[0].Type;
            IMethodSymbol? existing = ExistingSelector(model, node.ContainingType, input);
            string title = existing is null ? $"Add KeyBy with a new key selector '{node.Name}Key'" : $"Add KeyBy = nameof({existing.Name})";
            return CodeAction.Create(title, ct => ApplyAsync(context.Document, method, attribute, node, existing, ct), Key);
        });

    private static bool IsUnkeyedProcess(AttributeSyntax attribute, SemanticModel model, CancellationToken cancellationToken) =>
        model.GetTypeInfo(attribute, cancellationToken).Type?.Name == "ProcessAttribute"
        && attribute.ArgumentList?.Arguments.Any(a => a.NameEquals?.Name.Identifier.ValueText == "KeyBy") != true;

    /// <summary>A static, non-generic method of the pipeline taking exactly the input record and returning a stable key.</summary>
    private static IMethodSymbol? ExistingSelector(SemanticModel model, INamedTypeSymbol pipeline, ITypeSymbol input) =>
        pipeline.GetMembers().OfType<IMethodSymbol>().FirstOrDefault(m =>
            m.MethodKind == MethodKind.Ordinary && m.IsStatic && !m.IsGenericMethod && !m.ReturnsVoid
            && m.Parameters.Length == 1 && m.Parameters[0].RefKind == RefKind.None
            && model.Compilation.ClassifyCommonConversion(input, m.Parameters[0].Type).IsIdentity
            && !m.GetAttributes().Any(a => KnownTypes.NodeKindOf(a) is not null)
            && KeyHashing.HashOf(m.ReturnType) is not null);

    private static async Task<Document> ApplyAsync(Document document, MethodDeclarationSyntax method, AttributeSyntax attribute, IMethodSymbol node,
        IMethodSymbol? existing, CancellationToken cancellationToken)
    {
        string selector = existing?.Name ?? UniqueName(node.ContainingType, node.Name + "Key");
        AttributeSyntax keyed = AttributeEditing.WithNamedArgument(attribute, "KeyBy", AttributeEditing.NameOf(selector));
        MethodDeclarationSyntax newMethod = method.ReplaceNode(attribute, keyed);
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        if (existing is not null || method.Parent is not TypeDeclarationSyntax type)
        {
            return document.WithSyntaxRoot(root.ReplaceNode(method, newMethod));
        }
        int index = type.Members.IndexOf(method);
        TypeDeclarationSyntax newType = type.ReplaceNode(method, newMethod);
        newType = newType.WithMembers(newType.Members.Insert(index + 1, Stub(node.Parameters[0].Type, selector, method)));
        return document.WithSyntaxRoot(root.ReplaceNode(type, newType));
    }

    /// <summary>
    /// Returns the record itself when it has a stable hash (a string or a number is its own key); otherwise a stub to
    /// fill in, which compiles and throws until it does.
    /// </summary>
    private static MemberDeclarationSyntax Stub(ITypeSymbol input, string name, MethodDeclarationSyntax node)
    {
        string recordType = input.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        string body = KeyHashing.HashOf(input) is not null
            ? $"private static {recordType} {name}({recordType} record) => record;"
            : $"private static string {name}({recordType} record) => throw new global::System.NotImplementedException(\"Return the key of the record.\");";
        // Laid out like the node method: a blank line, the same indentation, the same line ending.
        string indent = node.GetLeadingTrivia().LastOrDefault(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).ToString();
        string newLine = node.GetTrailingTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)).ToString() is { Length: > 0 } eol ? eol : "\n";
        return SyntaxFactory.ParseMemberDeclaration(body)!
            .WithLeadingTrivia(SyntaxFactory.ParseLeadingTrivia($"{newLine}{indent}/// <summary>The key of a record: records with equal keys share state.</summary>{newLine}{indent}"))
            .WithTrailingTrivia(SyntaxFactory.EndOfLine(newLine));
    }

    private static string UniqueName(INamedTypeSymbol type, string name)
    {
        string candidate = name;
        for (int i = 2; type.GetMembers(candidate).Length > 0; i++)
        {
            candidate = name + i;
        }
        return candidate;
    }
}
