using System;
using DslFlow.Generator.Emit;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using DslFlow.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.Generator;

/// <summary>
/// Emits the job graph and the fused task classes of every <c>[Pipeline]</c> class. Invalid pipelines produce no
/// output (the analyzers explain why); nothing thrown by parsing or emitting escapes.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PipelineGenerator : IIncrementalGenerator
{
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.PipelineAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (syntax, cancellationToken) =>
                    PipelineParser.Parse((INamedTypeSymbol)syntax.TargetSymbol, syntax.SemanticModel.Compilation, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<PipelineModel> models = parsed
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Model);

        context.RegisterSourceOutput(models, static (output, model) => Generate(output, model));
    }

    private static void Generate(SourceProductionContext output, PipelineModel model)
    {
        string source;
        try
        {
            PipelinePlan plan = ChainPlanner.Plan(model);
            source = PipelineEmitter.Emit(model, plan, output.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return; // a bug in the emitter must not break the user's build; the analyzers still report on the pipeline
        }
        output.AddSource(model.HintName, source);
    }
}
