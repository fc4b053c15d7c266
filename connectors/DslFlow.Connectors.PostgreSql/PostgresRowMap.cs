using System.ComponentModel.DataAnnotations.Schema;
using System.Linq.Expressions;
using System.Reflection;
using System.Text;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>
/// Which column each record member goes to. Declared (<see cref="Column{TValue}"/>, one typed accessor per column) or by
/// convention (<see cref="ByConvention"/>: every public readable property, named by <c>[Column("name")]</c> or else in
/// snake_case, <c>[NotMapped]</c> ones left out). Either way the accessors are compiled once: no reflection per record.
/// The sink checks at start that every column exists and that each member's type fits its column.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class PostgresRowMap<T>
{
    private readonly List<PostgresColumn<T>> _columns = [];

    internal IReadOnlyList<PostgresColumn<T>> Columns => _columns;

    /// <summary>Maps a column to a value of the record.</summary>
    /// <param name="name">The column's name as PostgreSQL stores it (unquoted names are lower case there).</param>
    /// <param name="value">The value of the column for a record.</param>
    /// <exception cref="ArgumentException">The name is empty or already mapped.</exception>
    public PostgresRowMap<T> Column<TValue>(string name, Func<T, TValue> value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        return Add(new PostgresColumn<T, TValue>(name, $"{typeof(T).Name} column '{name}'", value));
    }

    /// <summary>
    /// Every public readable instance property of <typeparamref name="T"/>: its column is <c>[Column("name")]</c>'s name
    /// or the property's name in snake_case (<c>CustomerId</c> → <c>customer_id</c>); <c>[NotMapped]</c> properties are left out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The type has no mappable property, or two map to one column.</exception>
    public static PostgresRowMap<T> ByConvention()
    {
        var map = new PostgresRowMap<T>();
        foreach (PropertyInfo property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0 || property.GetCustomAttribute<NotMappedAttribute>() is not null)
            {
                continue;
            }
            string column = property.GetCustomAttribute<ColumnAttribute>()?.Name ?? SnakeCase(property.Name);
            map.Add(Compile(property, column));
        }
        if (map._columns.Count == 0)
        {
            throw new InvalidOperationException(
                $"PostgresRowMap<{typeof(T).Name}>.ByConvention found no public readable property to map. Give the type "
                + "properties, or declare the columns with new PostgresRowMap<T>().Column(\"name\", r => r.Value).");
        }
        return map;
    }

    private PostgresRowMap<T> Add(PostgresColumn<T> column)
    {
        if (_columns.Any(c => c.Name == column.Name))
        {
            throw new ArgumentException($"Column '{column.Name}' is mapped twice in the row map of {typeof(T).Name} "
                + $"({_columns.First(c => c.Name == column.Name).Member} and {column.Member}).", nameof(column));
        }
        _columns.Add(column);
        return this;
    }

    /// <summary>A typed accessor for a property, compiled once.</summary>
    private static PostgresColumn<T> Compile(PropertyInfo property, string column)
    {
        ParameterExpression record = Expression.Parameter(typeof(T), "record");
        Type func = typeof(Func<,>).MakeGenericType(typeof(T), property.PropertyType);
        Delegate getter = Expression.Lambda(func, Expression.Property(record, property), record).Compile();
        Type columnType = typeof(PostgresColumn<,>).MakeGenericType(typeof(T), property.PropertyType);
        return (PostgresColumn<T>)Activator.CreateInstance(columnType, column, $"{typeof(T).Name}.{property.Name}", getter)!;
    }

    /// <summary><c>CustomerId</c> → <c>customer_id</c>, <c>HTTPStatus</c> → <c>http_status</c>.</summary>
    internal static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                bool wordStart = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1])
                    || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1])));
                if (wordStart)
                {
                    text.Append('_');
                }
                text.Append(char.ToLowerInvariant(c));
            }
            else
            {
                text.Append(c);
            }
        }
        return text.ToString();
    }
}
