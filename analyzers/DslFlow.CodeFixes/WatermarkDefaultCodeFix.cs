namespace DslFlow.CodeFixes;

/// <summary>
/// DSLF5004 on <c>IntervalMs</c> or <c>IdleTimeoutMs</c> → the argument removed: the default interval (200 ms) or no
/// idleness. An out-of-orderness bound has no default to fall back to, so it has no fix: only the user knows it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(WatermarkDefaultCodeFix)), Shared]
public sealed class WatermarkDefaultCodeFix() : DslFlowCodeFix(DiagnosticIds.InvalidWatermarkSetting)
{
    public const string Key = "DslFlow.WatermarkDefault";

    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        FixRegistration.RegisterEachAsync(context, (root, diagnostic) =>
        {
            if (root.FindNode(diagnostic.Location.SourceSpan) is not AttributeArgumentSyntax
                {
                    NameEquals.Name.Identifier.ValueText: "IntervalMs" or "IdleTimeoutMs",
                    Parent: AttributeArgumentListSyntax list,
                } argument)
            {
                return null;
            }
            string name = argument.NameEquals!.Name.Identifier.ValueText;
            string title = name == "IntervalMs" ? "Use the default watermark interval (200 ms)" : "Keep every split active (no idle timeout)";
            AttributeArgumentListSyntax without = list.WithArguments(list.Arguments.Remove(argument));
            return CodeAction.Create(title, ct => AttributeEditing.ReplaceAsync(context.Document, list, without, ct), Key + "." + name);
        });
}
