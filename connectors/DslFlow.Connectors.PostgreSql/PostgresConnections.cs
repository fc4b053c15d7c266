using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>Opens connections with bounded retries and a doubling backoff, logging each failed attempt.</summary>
internal sealed class PostgresConnections(NpgsqlDataSource dataSource, string sinkName, int attempts, TimeSpan backoff)
{
    private volatile bool _reached;

    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>An open connection; after <c>attempts</c> failures a <see cref="JobConfigurationException"/> saying where and why.</summary>
    public NpgsqlConnection Open(ILogger logger, CancellationToken cancellation = default)
    {
        TimeSpan delay = backoff;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                NpgsqlConnection connection = DataSource.OpenConnection();
                _reached = true;
                return connection;
            }
            catch (Exception ex) when (IsUnreachable(ex) && attempt < attempts)
            {
                logger.LogWarning("PostgresSink {Sink}: cannot reach PostgreSQL ({Error}); attempt {Attempt} of {Attempts}, "
                    + "next in {Delay} ms", sinkName, ex.Message, attempt, attempts, delay.TotalMilliseconds);
                if (cancellation.WaitHandle.WaitOne(delay))
                {
                    cancellation.ThrowIfCancellationRequested();
                }
                delay *= 2;
            }
            catch (Exception ex) when (IsUnreachable(ex))
            {
                var builder = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
                string message = $"PostgresSink '{sinkName}': cannot reach PostgreSQL at {builder.Host}:{builder.Port} "
                    + $"(database '{builder.Database}') after {attempts} attempts: {ex.Message}. Check that the server runs and "
                    + "listens there (listen_addresses, port, pg_hba.conf), or fix the connection string.";
                // Never reached: a setting to fix, not worth a restart. Reached before: the server went away, a restart may find it back.
                throw _reached ? new NpgsqlException(message, ex) : new JobConfigurationException(message, ex);
            }
        }
    }

    /// <summary>A refused or dropped connection, or a server starting up or shutting down: worth another attempt.</summary>
    internal static bool IsUnreachable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is "57P01" or "57P02" or "57P03" or "08006" or "08001" or "08004",
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        NpgsqlException npgsql when npgsql.InnerException is EndOfStreamException => true,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };
}
