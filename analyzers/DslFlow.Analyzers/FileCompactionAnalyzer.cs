using System.Collections.Immutable;
using System.Linq;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DslFlow.Analyzers;

/// <summary>
/// File-sink compaction, checked where it is configured: DSLF4003 for a constant <c>FileCompaction</c> setting out of
/// range (the runtime would throw when the sink is created), DSLF4002 for a compacting <c>FileSink</c> returned by a
/// sink method of a pipeline that declares no <c>[Checkpointing]</c> (compaction runs at checkpoints). The texts are
/// the runtime's (<c>FileCompactionRules</c>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FileCompactionAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.CompactionWithoutCheckpointing, DiagnosticDescriptors.InvalidCompactionSetting];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName("DslFlow.FileCompaction") is null)
            {
                return;
            }
            start.RegisterOperationAction(Analyze, OperationKind.ObjectCreation);
        });
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        var creation = (IObjectCreationOperation)context.Operation;
        if (creation.Initializer is not { } initializer)
        {
            return;
        }
        string? helpBase = HelpLinks.BaseFor(context.Options);
        if (KnownTypes.IsDslFlow(creation.Type, "FileCompaction"))
        {
            foreach (ISimpleAssignmentOperation assignment in initializer.Initializers.OfType<ISimpleAssignmentOperation>())
            {
                if (assignment.Target is IPropertyReferenceOperation { Property.Name: var name }
                    && assignment.Value.ConstantValue is { HasValue: true, Value: var value } && value is not null
                    && Problem(name, System.Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)) is { } problem)
                {
                    context.ReportDiagnostic(Diagnostic.Create(
                        HelpLinks.Apply(DiagnosticDescriptors.InvalidCompactionSetting, helpBase), assignment.Syntax.GetLocation(), problem));
                }
            }
            return;
        }
        if (!KnownTypes.IsDslFlow(creation.Type, "FileSink`1")
            || !initializer.Initializers.OfType<ISimpleAssignmentOperation>().Any(a =>
                a.Target is IPropertyReferenceOperation { Property.Name: "Compaction" } && a.Value.ConstantValue is not { HasValue: true, Value: null })
            || NodeMethods.Containing(context.ContainingSymbol, out NodeKind kind) is not { } sink
            || kind != NodeKind.Sink
            || sink.ContainingType.GetAttributes().Any(a => KnownTypes.IsDslFlow(a.AttributeClass, "CheckpointingAttribute")))
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(
            HelpLinks.Apply(DiagnosticDescriptors.CompactionWithoutCheckpointing, helpBase), creation.Syntax.GetLocation(),
            FileCompactionRules.WithoutCheckpointing(sink.Name, sink.ContainingType.Name)));
    }

    private static string? Problem(string property, long value) => property switch
    {
        "EveryCheckpoints" => FileCompactionRules.EveryCheckpoints(value),
        "SizeThreshold" => FileCompactionRules.SizeThreshold(value),
        _ => null,
    };
}
