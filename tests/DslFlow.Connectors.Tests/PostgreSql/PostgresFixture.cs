using DslFlow.Connectors.Servers;
using Npgsql;

namespace DslFlow.Connectors.Tests.PostgreSql;

/// <summary>One PostgreSQL server per test class; each test takes a fresh database. A server that cannot start fails the tests with why.</summary>
public sealed class PostgresFixture : IDisposable
{
    private readonly PostgresServer _server = new();

    internal PostgresServer Server => _server;

    /// <summary>A fresh database, with the given tables created (SQL statements).</summary>
    public string CreateDatabase(params string[] statements)
    {
        string connectionString = _server.CreateDatabase();
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        foreach (string sql in statements)
        {
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }
        return connectionString;
    }

    public void Dispose() => _server.Dispose();
}

/// <summary>Reads a test database.</summary>
public static class Sql
{
    public static List<TValue> Column<TValue>(string connectionString, string query)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(query, connection);
        using NpgsqlDataReader reader = command.ExecuteReader();
        var values = new List<TValue>();
        while (reader.Read())
        {
            values.Add(reader.GetFieldValue<TValue>(0));
        }
        return values;
    }

    public static long Count(string connectionString, string query) => Column<long>(connectionString, query).Single();

    /// <summary>Prepared transactions left in any database of the server.</summary>
    public static long Prepared(string connectionString) => Count(connectionString, "SELECT count(*) FROM pg_prepared_xacts");
}
