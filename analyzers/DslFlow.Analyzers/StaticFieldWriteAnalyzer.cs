using System.Collections.Immutable;
using System.Linq;
using DslFlow.Generator.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DslFlow.Analyzers;

/// <summary>
/// DSLF3004: a node method that writes a static field keeps state no checkpoint covers (it survives a restore with
/// values from replayed records, and every process has its own copy).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class StaticFieldWriteAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [DiagnosticDescriptors.StaticFieldWrittenByNode];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(KnownTypes.PipelineAttribute) is null)
            {
                return;
            }
            start.RegisterOperationAction(
                Analyze,
                OperationKind.SimpleAssignment,
                OperationKind.CompoundAssignment,
                OperationKind.CoalesceAssignment,
                OperationKind.Increment,
                OperationKind.Decrement,
                OperationKind.Argument);
        });
    }

    private static void Analyze(OperationAnalysisContext context)
    {
        IOperation? target = context.Operation switch
        {
            IAssignmentOperation assignment => assignment.Target,
            IIncrementOrDecrementOperation increment => increment.Target,
            IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
            _ => null,
        };
        if (target is not IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } field })
        {
            return;
        }
        if (NodeMethods.Containing(context.ContainingSymbol, out _) is not { } method)
        {
            return;
        }
        context.ReportDiagnostic(Diagnostic.Create(
            HelpLinks.Apply(DiagnosticDescriptors.StaticFieldWrittenByNode, HelpLinks.BaseFor(context.Options)),
            context.Operation.Syntax.GetLocation(), method.Name, field.Name));
    }
}
