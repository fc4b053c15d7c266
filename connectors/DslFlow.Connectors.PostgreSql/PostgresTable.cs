using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>
/// The sink's table as the server describes it, checked once at start against the row map: the table exists, every
/// mapped column exists and fits its member's type, and in upsert mode the key columns have a unique index.
/// </summary>
/// <param name="QuotedName">The table's name as SQL text (<c>regclass</c> output: quoted where it must be).</param>
/// <param name="ColumnTypes">Each mapped column's type name (<c>pg_type.typname</c>), in map order.</param>
internal sealed record PostgresTable(string QuotedName, IReadOnlyList<string> ColumnTypes)
{
    /// <summary>Reads and checks the table; throws <see cref="JobConfigurationException"/> naming what does not fit.</summary>
    public static PostgresTable Describe<T>(NpgsqlConnection connection, string sinkName, string table, IReadOnlyList<PostgresColumn<T>> columns,
        PostgresWriteMode mode, IReadOnlyList<string> keys)
    {
        string? quoted;
        using (var command = new NpgsqlCommand("SELECT to_regclass(@table)::text", connection))
        {
            command.Parameters.AddWithValue("table", table);
            quoted = command.ExecuteScalar() as string;
        }
        if (quoted is null)
        {
            throw new JobConfigurationException($"PostgresSink '{sinkName}': table '{table}' does not exist in database "
                + $"'{connection.Database}'. Create it (CREATE TABLE {table} (...)) before the job starts, or fix PostgresSink.Table.");
        }
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var command = new NpgsqlCommand(
            "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
            + "WHERE a.attrelid = to_regclass(@table) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", connection))
        {
            command.Parameters.AddWithValue("table", table);
            using NpgsqlDataReader reader = command.ExecuteReader();
            while (reader.Read())
            {
                existing[reader.GetString(0)] = reader.GetString(1);
            }
        }
        var types = new List<string>(columns.Count);
        foreach (PostgresColumn<T> column in columns)
        {
            if (!existing.TryGetValue(column.Name, out string? type))
            {
                throw new JobConfigurationException($"PostgresSink '{sinkName}': table {quoted} has no column '{column.Name}' "
                    + $"(for {column.Member}); its columns are {string.Join(", ", existing.Keys)}. Add the column, name the "
                    + "member's column with [Column(\"name\")], or leave the member out with [NotMapped].");
            }
            if (PostgresTypes.Misfit(column.ValueType, type) is { } misfit)
            {
                throw new JobConfigurationException($"PostgresSink '{sinkName}': column '{column.Name}' of table {quoted} is "
                    + $"{type}, which {column.Member} cannot be written to: {misfit}.");
            }
            types.Add(type);
        }
        if (mode == PostgresWriteMode.Upsert)
        {
            CheckKeys(connection, sinkName, table, quoted, columns.Select(c => c.Name).ToList(), keys);
        }
        return new PostgresTable(quoted, types);
    }

    private static void CheckKeys(NpgsqlConnection connection, string sinkName, string table, string quoted, List<string> mapped, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            throw new JobConfigurationException($"PostgresSink '{sinkName}' writes in Upsert mode but names no key columns: "
                + "set PostgresSink.KeyColumns to the columns of the table's primary key or of a unique index.");
        }
        if (keys.FirstOrDefault(k => !mapped.Contains(k)) is { } unmapped)
        {
            throw new JobConfigurationException($"PostgresSink '{sinkName}': key column '{unmapped}' is not one of the mapped "
                + $"columns ({string.Join(", ", mapped)}).");
        }
        using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_index i WHERE i.indrelid = to_regclass(@table) AND i.indisunique AND "
            + "(SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a WHERE a.attrelid = i.indrelid "
            + "AND a.attnum = ANY(i.indkey)) = (SELECT array_agg(k ORDER BY k) FROM unnest(@keys) AS k)", connection);
        command.Parameters.AddWithValue("table", table);
        command.Parameters.AddWithValue("keys", keys.ToArray());
        if (Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            throw new JobConfigurationException($"PostgresSink '{sinkName}': table {quoted} has no primary key or unique index "
                + $"on exactly ({string.Join(", ", keys)}), which an upsert needs (ON CONFLICT). Add one "
                + $"(CREATE UNIQUE INDEX ON {table} ({string.Join(", ", keys)})) or fix PostgresSink.KeyColumns.");
        }
    }
}
