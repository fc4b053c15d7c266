namespace DslFlow.Connectors.PostgreSql;

/// <summary>Which PostgreSQL column types a record member of a .NET type can be written to (binary COPY needs an exact fit).</summary>
internal static class PostgresTypes
{
    private static readonly Dictionary<Type, string[]> Fits = new()
    {
        [typeof(short)] = ["int2"],
        [typeof(int)] = ["int4"],
        [typeof(long)] = ["int8"],
        [typeof(bool)] = ["bool"],
        [typeof(float)] = ["float4"],
        [typeof(double)] = ["float8"],
        [typeof(decimal)] = ["numeric"],
        [typeof(string)] = ["text", "varchar", "bpchar", "json", "jsonb"],
        [typeof(Guid)] = ["uuid"],
        [typeof(DateTime)] = ["timestamptz", "timestamp", "date"],
        [typeof(DateTimeOffset)] = ["timestamptz"],
        [typeof(DateOnly)] = ["date"],
        [typeof(TimeOnly)] = ["time"],
        [typeof(TimeSpan)] = ["interval"],
        [typeof(byte[])] = ["bytea"],
    };

    /// <summary>Null when a member of <paramref name="type"/> fits a column of <paramref name="columnType"/>, else what would fit.</summary>
    public static string? Misfit(Type type, string columnType)
    {
        Type value = Nullable.GetUnderlyingType(type) ?? type;
        if (!Fits.TryGetValue(value, out string[]? fits))
        {
            return $"a member of type {value.Name} cannot be written by PostgresSink (supported: "
                + string.Join(", ", Fits.Keys.Select(t => t.Name)) + ")";
        }
        if (fits.Contains(columnType))
        {
            return null;
        }
        string clr = Fits.Where(f => f.Value.Contains(columnType)).Select(f => f.Key.Name).FirstOrDefault() is { } name
            ? $"make the member {name}" : "change the member's type";
        return $"a {value.Name} member fits a column of type {string.Join(" or ", fits)}, not {columnType}: {clr} or the column {fits[0]}";
    }
}
