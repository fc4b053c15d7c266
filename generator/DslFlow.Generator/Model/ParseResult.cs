namespace DslFlow.Generator.Model;

/// <summary>The outcome of parsing one <c>[Pipeline]</c> class: a model unless an error was found, and every problem.</summary>
/// <param name="Model">The pipeline, or null when any problem is an error.</param>
/// <param name="Problems">What is wrong (errors) or suspicious (warnings, which do not prevent generation).</param>
internal sealed record ParseResult(PipelineModel? Model, EquatableArray<ParseProblem> Problems);

/// <summary>One problem of a pipeline. The analyzers turn these into diagnostics; the generator skips a pipeline with an error.</summary>
/// <param name="Id">The diagnostic id (<c>DslFlow.Generator.Parsing.DiagnosticIds</c>).</param>
/// <param name="IsError">True for an error (no code is generated); false for a warning.</param>
/// <param name="Message">What is wrong, where, and how to fix it.</param>
/// <param name="Member">The pipeline class or node the problem is about (for example <c>WordCount.Count</c>).</param>
/// <param name="Location">Where it is declared: <c>path(line,column)</c>, or empty when unknown.</param>
/// <param name="Span">The exact source span, or null when unknown.</param>
internal sealed record ParseProblem(string Id, bool IsError, string Message, string Member, string Location, SourceSpan? Span);

/// <summary>A place in a source file without Roslyn types, so problems stay value-equatable and hold no syntax tree.</summary>
/// <param name="FilePath">The syntax tree's file path.</param>
/// <param name="Start">The span's start (a <c>TextSpan.Start</c>).</param>
/// <param name="Length">The span's length.</param>
internal sealed record SourceSpan(string FilePath, int Start, int Length);
