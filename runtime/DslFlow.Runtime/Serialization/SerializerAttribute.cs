namespace DslFlow;

/// <summary>
/// Names the serializer of a user type, so the generator and analyzers can see it at compile time and
/// <see cref="Serialization.Serializers.For{T}"/> can find it at run time.
/// </summary>
/// <remarks>
/// The serializer type must implement <see cref="ISerializer{T}"/> for the annotated type and have a public
/// parameterless constructor. For a generic type, an open generic serializer of the same arity is closed over the
/// type's arguments: <c>[Serializer(typeof(BoxSerializer&lt;&gt;))] class Box&lt;T&gt;</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = false, Inherited = false)]
public sealed class SerializerAttribute : Attribute
{
    /// <summary>Registers <paramref name="serializerType"/> as the serializer of the annotated type.</summary>
    /// <param name="serializerType">A type implementing <see cref="ISerializer{T}"/> for the annotated type.</param>
    public SerializerAttribute(Type serializerType) => SerializerType = serializerType;

    /// <summary>The serializer type.</summary>
    public Type SerializerType { get; }
}
