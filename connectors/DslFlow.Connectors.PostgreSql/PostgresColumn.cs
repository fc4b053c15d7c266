using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>One mapped column: its name, the record member it comes from and a typed accessor (no boxing, no reflection per record).</summary>
/// <typeparam name="T">The record type.</typeparam>
internal abstract class PostgresColumn<T>(string name, string member, Type valueType)
{
    /// <summary>The column's name, exactly as PostgreSQL stores it.</summary>
    public string Name { get; } = name;

    /// <summary>The record member, for messages (<c>Order.Amount</c>).</summary>
    public string Member { get; } = member;

    /// <summary>The member's type (nullable value types unwrapped by <see cref="PostgresTypes"/>).</summary>
    public Type ValueType { get; } = valueType;

    /// <summary>Writes the record's value into the current row of a binary COPY, as the column's type.</summary>
    public abstract void Write(NpgsqlBinaryImporter importer, T record, string dataType);

    /// <summary>An array parameter of the records' values, for a batched upsert.</summary>
    public abstract NpgsqlParameter ArrayParameter(ReadOnlySpan<T> records, string dataType);
}

/// <summary>A column whose values are of type <typeparamref name="TValue"/>.</summary>
internal sealed class PostgresColumn<T, TValue>(string name, string member, Func<T, TValue> value)
    : PostgresColumn<T>(name, member, typeof(TValue))
{
    public override void Write(NpgsqlBinaryImporter importer, T record, string dataType)
    {
        TValue v = value(record);
        if (v is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(v, dataType);
        }
    }

    public override NpgsqlParameter ArrayParameter(ReadOnlySpan<T> records, string dataType)
    {
        var values = new TValue[records.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = value(records[i]);
        }
        return new NpgsqlParameter<TValue[]> { TypedValue = values, DataTypeName = dataType + "[]" };
    }
}
