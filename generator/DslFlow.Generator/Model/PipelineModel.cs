namespace DslFlow.Generator.Model;

/// <summary>A valid pipeline class, as data: everything the planner and the emitter need.</summary>
/// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
/// <param name="ContainingTypes">Types the pipeline is nested in, outermost first.</param>
/// <param name="Type">The pipeline class's own declaration.</param>
/// <param name="FullyQualifiedName">For example <c>global::Ns.Outer.WordCount</c>.</param>
/// <param name="DefaultParallelism">From <c>[Pipeline(DefaultParallelism)]</c>.</param>
/// <param name="MaxParallelism">From <c>[Pipeline(MaxParallelism)]</c>.</param>
/// <param name="Nodes">The nodes in declaration order (those a record can reach from a source).</param>
/// <param name="Checkpointing">The <c>[Checkpointing]</c> attribute, or null when the pipeline has none.</param>
/// <param name="Serializers">
/// The serializer classes to generate for user types held in state or, under unaligned checkpoints, in flight between tasks.
/// </param>
internal sealed record PipelineModel(
    string Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Type,
    string FullyQualifiedName,
    int DefaultParallelism,
    int MaxParallelism,
    EquatableArray<NodeModel> Nodes,
    CheckpointModel? Checkpointing = null,
    EquatableArray<GeneratedSerializerModel> Serializers = default)
{
    public string Name => Type.Name;

    /// <summary><c>{Namespace}.{Outer}.{Type}.DslFlow.g.cs</c>, unique per pipeline class.</summary>
    public string HintName
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Namespace.Length > 0)
            {
                parts.Add(Namespace);
            }
            foreach (TypeDeclarationModel t in ContainingTypes)
            {
                parts.Add(t.Name);
            }
            parts.Add(Type.Name);
            return string.Join(".", parts) + ".DslFlow.g.cs";
        }
    }

    public NodeModel? Node(string name)
    {
        foreach (NodeModel node in Nodes)
        {
            if (node.Name == name)
            {
                return node;
            }
        }
        return null;
    }
}

/// <summary>How to reopen a type in the generated partial declaration.</summary>
/// <param name="Name">The type's name.</param>
/// <param name="Keyword"><c>class</c>, <c>record</c>, <c>struct</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="IsStatic">True for a static class.</param>
internal sealed record TypeDeclarationModel(string Name, string Keyword, bool IsStatic);
