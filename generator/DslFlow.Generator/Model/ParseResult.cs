namespace DslFlow.Generator.Model;

/// <summary>The outcome of parsing one <c>[Pipeline]</c> class: a model when valid, else the problems.</summary>
/// <param name="Model">The pipeline, or null when any problem was found.</param>
/// <param name="Problems">What is wrong; empty when <paramref name="Model"/> is set.</param>
internal sealed record ParseResult(PipelineModel? Model, EquatableArray<ParseProblem> Problems);

/// <summary>One reason a pipeline cannot be generated. The analyzers turn these into diagnostics.</summary>
/// <param name="Message">What is wrong, where, and how to fix it.</param>
/// <param name="Member">The pipeline class or node the problem is about (for example <c>WordCount.Count</c>).</param>
/// <param name="Location">Where it is declared: <c>path(line,column)</c>, or empty when unknown.</param>
internal sealed record ParseProblem(string Message, string Member, string Location);
