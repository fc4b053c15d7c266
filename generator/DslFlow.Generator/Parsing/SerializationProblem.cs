namespace DslFlow.Generator.Parsing;

/// <summary>Why a type cannot be serialized, relative to the type being resolved.</summary>
/// <param name="Suffix">
/// The path from the resolved type to the culprit: <c>.Lines[].Product</c>, or empty when the type itself is the culprit.
/// </param>
/// <param name="TypeName">The culprit's type, fully qualified (<c>System.IO.Stream</c>).</param>
/// <param name="Reason">What is wrong with it, or null when the compiler reports the type already (it does not exist).</param>
/// <param name="Annotatable">The innermost user type on the path, which could take a <c>[Serializer]</c> instead; null when none.</param>
internal sealed record SerializationProblem(string Suffix, string TypeName, string? Reason, string? Annotatable)
{
    /// <summary>
    /// True when the general advice applies (use supported types or a <c>[Serializer]</c>); false when
    /// <see cref="Reason"/> already says how to fix it.
    /// </summary>
    public bool NeedsAdvice { get; init; } = true;

    /// <summary>The same problem seen from a containing type: <paramref name="step"/> leads from it to this one.</summary>
    public SerializationProblem Inside(string step, string? annotatable) =>
        this with { Suffix = step + Suffix, Annotatable = Annotatable ?? annotatable };
}

/// <summary>A serializer, or the problem that prevents one.</summary>
internal sealed record SerializerResolution(Model.SerializerModel? Model, SerializationProblem? Problem)
{
    public static SerializerResolution Of(Model.SerializerModel model) => new(model, null);

    public static SerializerResolution Failed(SerializationProblem problem) => new(null, problem);
}
