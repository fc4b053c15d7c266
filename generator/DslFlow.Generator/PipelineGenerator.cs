using System;
using DslFlow.Generator.Diagnostics;
using DslFlow.Generator.Emit;
using DslFlow.Generator.Model;
using DslFlow.Generator.Parsing;
using DslFlow.Generator.Planning;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DslFlow.Generator;

/// <summary>
/// Emits the job graph and the fused task classes of every <c>[Pipeline]</c> class. Invalid pipelines produce no
/// output (the analyzers explain why); nothing thrown by parsing or emitting escapes: an emitter failure is reported as
/// DSLF0001 on the pipeline class, which then gets no generated code.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class PipelineGenerator : IIncrementalGenerator
{
    /// <summary>
    /// Test-only seam: called with each model before it is planned and emitted, so a test can make this instance's
    /// emitter fail deterministically (no valid input is known to). Null in every real build.
    /// </summary>
    internal Action<PipelineModel>? EmitterFault { get; init; }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<(ParseResult Result, SourceLocation? Declaration)> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                KnownTypes.PipelineAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (syntax, cancellationToken) => (
                    PipelineParser.Parse((INamedTypeSymbol)syntax.TargetSymbol, syntax.SemanticModel.Compilation, cancellationToken),
                    SourceLocation.Of(((TypeDeclarationSyntax)syntax.TargetNode).Identifier.GetLocation())))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<EmitRequest> models = parsed
            .Where(static parse => parse.Result.Model is not null)
            .Select(static (parse, _) => new EmitRequest(parse.Result.Model!, parse.Declaration))
            .WithTrackingName(TrackingNames.Model);

        Action<PipelineModel>? fault = EmitterFault;
        context.RegisterSourceOutput(models, (output, request) => Generate(output, request, fault));
    }

    private static void Generate(SourceProductionContext output, EmitRequest request, Action<PipelineModel>? fault)
    {
        PipelineModel model = request.Model;
        string source;
        try
        {
            fault?.Invoke(model);
            PipelinePlan plan = ChainPlanner.Plan(model);
            source = PipelineEmitter.Emit(model, plan, output.CancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A bug in DslFlow must not break the user's build with a crashed generator (CS8785, no location): say so on
            // the pipeline class instead, and generate nothing for it.
            string thrownAt = ex.TargetSite is { } site ? $" in {site.DeclaringType?.Name}.{site.Name}" : "";
            output.ReportDiagnostic(Diagnostic.Create(GeneratorDiagnostics.GeneratorFailed,
                request.Declaration?.ToLocation() ?? Location.None, model.FullyQualifiedName.Replace("global::", ""), ex.GetType().Name, ex.Message, thrownAt));
            return;
        }
        output.AddSource(model.HintName, source);
    }
}
