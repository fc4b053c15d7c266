namespace DslFlow.Generator.Model;

/// <summary>What the generator's output step needs for one valid pipeline.</summary>
/// <param name="Model">The pipeline.</param>
/// <param name="Declaration">
/// The pipeline class's name in user code, where an emitter failure is reported (DSLF0001); null when unknown. It only
/// moves when text above the class's name changes, so edits inside the class body keep the output cached.
/// </param>
internal sealed record EmitRequest(PipelineModel Model, SourceLocation? Declaration);
