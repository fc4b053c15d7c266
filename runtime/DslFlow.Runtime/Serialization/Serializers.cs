using System.Collections.Concurrent;
using System.Reflection;

namespace DslFlow.Serialization;

/// <summary>
/// Finds a serializer for a type at run time: the built-ins, composites of known generic shapes, and types annotated
/// with <see cref="SerializerAttribute"/>. For tests, channel state and other code the generator does not see.
/// </summary>
/// <remarks>
/// The first lookup of a type walks it with reflection and <see cref="Type.MakeGenericType"/>, then the result is
/// cached. Generated code does not call this: the generator emits the composition
/// (<c>new ListSerializer&lt;int&gt;(Int32Serializer.Instance)</c>) directly, so hot paths never reflect.
/// </remarks>
public static class Serializers
{
    private const int MaxTupleArity = 7;

    private static readonly ConcurrentDictionary<Type, object> Cache = new(new Dictionary<Type, object>
    {
        [typeof(bool)] = BooleanSerializer.Instance, [typeof(byte)] = ByteSerializer.Instance,
        [typeof(sbyte)] = SByteSerializer.Instance, [typeof(short)] = Int16Serializer.Instance,
        [typeof(ushort)] = UInt16Serializer.Instance, [typeof(int)] = Int32Serializer.Instance,
        [typeof(uint)] = UInt32Serializer.Instance, [typeof(long)] = Int64Serializer.Instance,
        [typeof(ulong)] = UInt64Serializer.Instance, [typeof(float)] = SingleSerializer.Instance,
        [typeof(double)] = DoubleSerializer.Instance, [typeof(decimal)] = DecimalSerializer.Instance,
        [typeof(char)] = CharSerializer.Instance, [typeof(string)] = StringSerializer.Instance,
        [typeof(Guid)] = GuidSerializer.Instance, [typeof(DateTime)] = DateTimeSerializer.Instance,
        [typeof(DateTimeOffset)] = DateTimeOffsetSerializer.Instance, [typeof(TimeSpan)] = TimeSpanSerializer.Instance,
        [typeof(byte[])] = ByteArraySerializer.Instance, [typeof(TimeWindow)] = TimeWindowSerializer.Instance,
    });

    private static readonly Type[] TupleDefinitions =
    [
        typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>),
        typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>),
    ];

    private static readonly Type[] TupleSerializerDefinitions =
    [
        typeof(ValueTupleSerializer<,>), typeof(ValueTupleSerializer<,,>), typeof(ValueTupleSerializer<,,,>),
        typeof(ValueTupleSerializer<,,,,>), typeof(ValueTupleSerializer<,,,,,>), typeof(ValueTupleSerializer<,,,,,,>),
    ];

    /// <summary>The serializer of <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">
    /// A primitive, <see cref="decimal"/>, <see cref="string"/>, <see cref="Guid"/>, <see cref="DateTime"/>,
    /// <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>, an enum, a nullable value type, a single-dimensional
    /// array, <see cref="List{T}"/>, <see cref="Dictionary{TKey, TValue}"/>, <see cref="KeyValuePair{TKey, TValue}"/>,
    /// a value tuple of 2 to 7 elements — of supported types — or a type annotated with <see cref="SerializerAttribute"/>.
    /// </typeparam>
    /// <returns>The cached serializer.</returns>
    /// <exception cref="NotSupportedException">The type, or a type inside it, is not supported; the message says how to fix it.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="SerializerAttribute"/> names an unusable serializer.</exception>
    public static ISerializer<T> For<T>() => Typed<T>.Value ??= (ISerializer<T>)For(typeof(T));

    /// <summary>The serializer of <paramref name="type"/>, an <see cref="ISerializer{T}"/> of it; see <see cref="For{T}"/>.</summary>
    /// <param name="type">The serialized type.</param>
    /// <returns>The cached serializer.</returns>
    /// <exception cref="NotSupportedException">The type, or a type inside it, is not supported; the message says how to fix it.</exception>
    /// <exception cref="InvalidOperationException">A <see cref="SerializerAttribute"/> names an unusable serializer.</exception>
    public static object For(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Resolve(type, type);
    }

    private static object Resolve(Type type, Type root)
    {
        if (Cache.TryGetValue(type, out object? cached))
        {
            return cached;
        }
        // Two threads may build the same serializer; both are equivalent and stateless, and the first one wins.
        return Cache.GetOrAdd(type, Build(type, root));
    }

    private static object Build(Type type, Type root)
    {
        if (type.GetCustomAttribute<SerializerAttribute>() is { } attribute)
        {
            return CustomSerializers.Create(type, attribute.SerializerType);
        }
        if (type.IsEnum)
        {
            return Singleton(typeof(EnumSerializer<>).MakeGenericType(type));
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Compose(typeof(NullableSerializer<>), [underlying], root);
        }
        if (type.IsSZArray)
        {
            return Compose(typeof(ArraySerializer<>), [type.GetElementType()!], root);
        }
        if (type.IsGenericType && !type.ContainsGenericParameters)
        {
            Type definition = type.GetGenericTypeDefinition();
            Type[] arguments = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                return Compose(typeof(ListSerializer<>), arguments, root);
            }
            if (definition == typeof(Dictionary<,>))
            {
                return Compose(typeof(DictionarySerializer<,>), arguments, root);
            }
            if (definition == typeof(KeyValuePair<,>))
            {
                return Compose(typeof(KeyValuePairSerializer<,>), arguments, root);
            }
            int tuple = Array.IndexOf(TupleDefinitions, definition);
            if (tuple >= 0)
            {
                return Compose(TupleSerializerDefinitions[tuple], arguments, root);
            }
        }
        throw Unsupported(type, root);
    }

    private static object Compose(Type serializerDefinition, Type[] arguments, Type root)
    {
        object[] parts = Array.ConvertAll(arguments, argument => Resolve(argument, root));
        Type closed = serializerDefinition.MakeGenericType(arguments);
        // Trailing optional parameters (DictionarySerializer's comparer) stay null.
        object?[] constructorArguments = new object?[closed.GetConstructors()[0].GetParameters().Length];
        parts.CopyTo(constructorArguments, 0);
        return Activator.CreateInstance(closed, constructorArguments)!;
    }

    private static object Singleton(Type serializerType) =>
        serializerType.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static NotSupportedException Unsupported(Type type, Type root)
    {
        string name = TypeNames.Display(type);
        string context = type == root ? "" : $" (inside '{TypeNames.Display(root)}')";
        string hint = type.IsGenericType && Array.IndexOf(TupleDefinitions, type.GetGenericTypeDefinition()) < 0
            && type.FullName?.StartsWith("System.ValueTuple`8", StringComparison.Ordinal) == true
            ? $" Value tuples of more than {MaxTupleArity} elements are not supported; group the elements into a record."
            : "";
        return new NotSupportedException($"DslFlow has no serializer for type '{name}'{context}.{hint} Supported "
            + $"types: {SerializationMessages.BuiltInTypes}, of supported types (records, classes and structs are "
            + $"serialized by the code the generator writes for a [Pipeline]). To fix: annotate '{name}' with "
            + $"[Serializer(typeof(MySerializer))], where MySerializer implements ISerializer<{name}> and has a public "
            + "parameterless constructor, or use supported types.");
    }

    private static class Typed<T>
    {
        // Not a static readonly initializer: a failed lookup must throw NotSupportedException on every call, not a
        // TypeInitializationException once and forever.
        public static ISerializer<T>? Value;
    }
}
