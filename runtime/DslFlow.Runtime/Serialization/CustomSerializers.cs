using System.Reflection;

namespace DslFlow.Serialization;

/// <summary>Instantiates the serializers that user types register with <see cref="SerializerAttribute"/>.</summary>
public static class CustomSerializers
{
    /// <summary>The serializer registered on <typeparamref name="T"/> with <see cref="SerializerAttribute"/>.</summary>
    /// <typeparam name="T">The annotated type.</typeparam>
    /// <returns>A new instance of the registered serializer.</returns>
    /// <exception cref="InvalidOperationException">
    /// <typeparamref name="T"/> has no attribute, or the serializer type is abstract, does not implement
    /// <see cref="ISerializer{T}"/> for <typeparamref name="T"/>, has no public parameterless constructor, or its
    /// constructor throws. The message says which and how to fix it.
    /// </exception>
    public static ISerializer<T> Create<T>()
    {
        SerializerAttribute attribute = typeof(T).GetCustomAttribute<SerializerAttribute>()
            ?? throw new InvalidOperationException($"Type '{TypeNames.Display(typeof(T))}' has no [Serializer] "
                + "attribute; annotate it with [Serializer(typeof(MySerializer))].");
        return (ISerializer<T>)Create(typeof(T), attribute.SerializerType);
    }

    /// <summary>Creates <paramref name="serializerType"/> as the serializer of <paramref name="target"/>.</summary>
    /// <param name="target">The serialized type.</param>
    /// <param name="serializerType">
    /// A type implementing <see cref="ISerializer{T}"/> of <paramref name="target"/>, or an open generic of the same
    /// arity as <paramref name="target"/>, closed here over its type arguments.
    /// </param>
    /// <returns>The serializer, an <see cref="ISerializer{T}"/> of <paramref name="target"/>.</returns>
    /// <exception cref="InvalidOperationException">The serializer type is unusable; the message says why and how to fix it.</exception>
    public static object Create(Type target, Type serializerType)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(serializerType);
        string where = $"[Serializer(typeof({TypeNames.Display(serializerType)}))] on '{TypeNames.Display(target)}'";
        Type wanted = typeof(ISerializer<>).MakeGenericType(target);
        Type closed = Close(target, serializerType, where);
        if (closed.IsAbstract || closed.IsInterface)
        {
            throw new InvalidOperationException($"{where}: '{TypeNames.Display(closed)}' is abstract or an interface; "
                + "name a concrete class or struct.");
        }
        if (!wanted.IsAssignableFrom(closed))
        {
            throw new InvalidOperationException($"{where}: '{TypeNames.Display(closed)}' does not implement "
                + $"{TypeNames.Display(wanted)}; implement that interface, or name the right serializer.");
        }
        if (!closed.IsValueType && closed.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new InvalidOperationException($"{where}: '{TypeNames.Display(closed)}' has no public parameterless "
                + "constructor; add one (the generator and Serializers.For create the serializer without arguments).");
        }
        try
        {
            return Activator.CreateInstance(closed)!;
        }
        catch (TargetInvocationException e)
        {
            throw new InvalidOperationException($"{where}: the constructor of '{TypeNames.Display(closed)}' threw "
                + $"{e.InnerException?.GetType().Name}: {e.InnerException?.Message}", e.InnerException);
        }
    }

    private static Type Close(Type target, Type serializerType, string where)
    {
        if (!serializerType.IsGenericTypeDefinition)
        {
            return serializerType;
        }
        Type[] arguments = target.IsGenericType ? target.GetGenericArguments() : Type.EmptyTypes;
        if (arguments.Length != serializerType.GetGenericArguments().Length)
        {
            throw new InvalidOperationException($"{where}: the open generic serializer takes "
                + $"{serializerType.GetGenericArguments().Length} type arguments but '{TypeNames.Display(target)}' has "
                + $"{arguments.Length}; give the serializer the same type parameters as the type, or close it.");
        }
        try
        {
            return serializerType.MakeGenericType(arguments);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{where}: the serializer's constraints reject the type arguments of "
                + $"'{TypeNames.Display(target)}': {e.Message}", e);
        }
    }
}
