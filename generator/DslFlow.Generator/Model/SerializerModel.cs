namespace DslFlow.Generator.Model;

/// <summary>Where the serializer of one type comes from.</summary>
internal enum SerializerKind
{
    /// <summary>A stateless runtime serializer: <c>global::DslFlow.Serialization.{Name}&lt;{TypeArguments}&gt;.Instance</c>.</summary>
    Singleton,

    /// <summary>A runtime composite built from <see cref="SerializerModel.Parts"/>: <c>new global::DslFlow.Serialization.{Name}&lt;{TypeArguments}&gt;(parts)</c>.</summary>
    Composite,

    /// <summary>The user's <c>[Serializer(typeof(X))]</c>: <c>new {Name}()</c>, <see cref="SerializerModel.Name"/> being the closed type.</summary>
    Custom,

    /// <summary>A serializer class the generator writes (<see cref="GeneratedSerializerModel"/>): <c>{Name}.Instance</c>.</summary>
    Generated,
}

/// <summary>
/// How to obtain the serializer of one type, as a tree the emitter turns into an expression. Compositions mirror the
/// runtime's <c>Serializers.For&lt;T&gt;()</c> exactly, so state written either way reads back either way.
/// </summary>
/// <param name="Kind">Where the serializer comes from.</param>
/// <param name="Name">The runtime serializer's name, the custom serializer's full type name or the generated class's name.</param>
/// <param name="TypeArguments">Type arguments of a singleton or composite (<c>global::</c>-qualified).</param>
/// <param name="Parts">The serializers a composite takes in its constructor, in order.</param>
internal sealed record SerializerModel(
    SerializerKind Kind,
    string Name,
    EquatableArray<string> TypeArguments,
    EquatableArray<SerializerModel> Parts);

/// <summary>A serializer class the generator writes for a user record, class or struct, nested in the pipeline class.</summary>
/// <param name="ClassName">For example <c>__DslFlowSerializer0</c>.</param>
/// <param name="Type">The serialized type (without nullable annotation).</param>
/// <param name="CheckExactType">
/// True for a class that is not sealed: a derived instance would lose its own members, so writing one throws.
/// </param>
/// <param name="Members">The saved members in declaration order (base type first); the order is the format.</param>
/// <param name="ConstructorArguments">Indexes into <paramref name="Members"/> of the constructor's arguments, in order.</param>
internal sealed record GeneratedSerializerModel(
    string ClassName,
    TypeRef Type,
    bool CheckExactType,
    EquatableArray<SerializedMemberModel> Members,
    EquatableArray<int> ConstructorArguments);

/// <summary>One saved property or field of a <see cref="GeneratedSerializerModel"/>.</summary>
/// <param name="Name">The member's name.</param>
/// <param name="Type">The member's type as declared (<c>global::</c>-qualified).</param>
/// <param name="Serializer">The member type's serializer.</param>
/// <param name="InInitializer">True when the object initializer sets it (not a constructor argument, or a required member).</param>
/// <param name="Lazy">
/// True when the serializer refers back to a type being defined (a recursive type): it is created on first use, after
/// every generated instance exists.
/// </param>
internal sealed record SerializedMemberModel(string Name, string Type, SerializerModel Serializer, bool InInitializer, bool Lazy);
