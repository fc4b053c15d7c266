namespace DslFlow.Serialization;

/// <summary>Type names as C# spells them (<c>List&lt;int&gt;</c>, not <c>List`1[[System.Int32…]]</c>), for messages.</summary>
internal static class TypeNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short",
        [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long",
        [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string",
        [typeof(object)] = "object",
    };

    public static string Display(Type type)
    {
        if (Keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }
        if (type.IsArray)
        {
            return $"{Display(type.GetElementType()!)}[{new string(',', type.GetArrayRank() - 1)}]";
        }
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Display(underlying) + "?";
        }
        string name = type.IsNested ? $"{Display(type.DeclaringType!)}.{type.Name}" : type.FullName ?? type.Name;
        if (!type.IsGenericType)
        {
            return name;
        }
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        string bare = tick < 0 ? name : name[..tick];
        Type[] arguments = type.GetGenericArguments();
        return type.IsGenericTypeDefinition
            ? $"{bare}<{new string(',', arguments.Length - 1)}>"
            : $"{bare}<{string.Join(", ", arguments.Select(Display))}>";
    }
}
