using System.Globalization;
using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>
/// The sink's prepared transactions on the server. Each is named by a global id <c>dslflow:{job}:{node}:{subtask}:{checkpoint}:{part}</c>
/// (the job run as 32 hex digits; part counts the transactions a writer prepared, since the last checkpoint of a
/// finished input can be sealed twice), so recovery finds a run's own in <c>pg_prepared_xacts</c> and leaves every
/// other job's alone. Each one also inserts a row (job, node, subtask, checkpoint, part) into the commit table, so a
/// commit and its record are one atomic step: the table answers <see cref="ITransactionalSink.LastCommittedCheckpoint"/>.
/// </summary>
internal sealed class PostgresTransactions(string node, string commitTable)
{
    /// <summary>The longest global id PostgreSQL takes (<c>GIDSIZE</c> − 1).</summary>
    public const int MaxGlobalIdLength = 199;

    public string CommitTable { get; } = commitTable;

    public static string Prefix(Guid jobId, string node) => $"dslflow:{jobId:N}:{node}:";

    public string GlobalId(Guid jobId, int subtask, long checkpointId, int part) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix(jobId, node)}{subtask}:{checkpointId}:{part}");

    /// <summary>The run's prepared transactions on this database, with the checkpoint each was sealed for.</summary>
    public List<(string GlobalId, long CheckpointId)> Prepared(NpgsqlConnection connection, Guid jobId)
    {
        string prefix = Prefix(jobId, node);
        using var command = new NpgsqlCommand(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, @prefix)", connection);
        command.Parameters.AddWithValue("prefix", prefix);
        var found = new List<(string, long)>();
        using NpgsqlDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            string gid = reader.GetString(0);
            string[] parts = gid[prefix.Length..].Split(':');
            if (parts.Length == 3 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long checkpoint))
            {
                found.Add((gid, checkpoint));
            }
        }
        return found;
    }

    /// <summary>Prepared transactions of other job runs at this node: nobody will commit them, yet they hold their locks.</summary>
    public List<string> Foreign(NpgsqlConnection connection, Guid jobId)
    {
        using var command = new NpgsqlCommand(
            "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND starts_with(gid, 'dslflow:') "
            + "AND split_part(gid, ':', 3) = @node AND NOT starts_with(gid, @prefix)", connection);
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("prefix", Prefix(jobId, node));
        var found = new List<string>();
        using NpgsqlDataReader reader = command.ExecuteReader();
        while (reader.Read())
        {
            found.Add(reader.GetString(0));
        }
        return found;
    }

    /// <summary><c>COMMIT PREPARED</c> or <c>ROLLBACK PREPARED</c>; false when it is gone already (another session ended it).</summary>
    public static bool Finish(NpgsqlConnection connection, string globalId, bool commit)
    {
        using var command = new NpgsqlCommand($"{(commit ? "COMMIT" : "ROLLBACK")} PREPARED '{globalId.Replace("'", "''", StringComparison.Ordinal)}'", connection);
        try
        {
            command.ExecuteNonQuery();
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedObject)
        {
            return false;
        }
    }

    /// <summary>Creates the commit table when it is missing.</summary>
    public void EnsureCommitTable(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS {CommitTable} (job_id uuid NOT NULL, node text NOT NULL, "
            + "subtask int NOT NULL, checkpoint_id bigint NOT NULL, part int NOT NULL, committed_at timestamptz NOT NULL DEFAULT now(), "
            + "PRIMARY KEY (job_id, node, subtask, checkpoint_id, part))", connection);
        command.ExecuteNonQuery();
    }

    /// <summary>Inside a transaction about to be prepared: its commit record.</summary>
    public void InsertRecord(NpgsqlConnection connection, Guid jobId, int subtask, long checkpointId, int part)
    {
        using var command = new NpgsqlCommand($"INSERT INTO {CommitTable} (job_id, node, subtask, checkpoint_id, part) VALUES (@job, @node, @subtask, @checkpoint, @part)", connection);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("subtask", subtask);
        command.Parameters.AddWithValue("checkpoint", checkpointId);
        command.Parameters.AddWithValue("part", part);
        command.ExecuteNonQuery();
    }

    /// <summary>The newest checkpoint the run committed here, from the commit records; null when none (or no table yet).</summary>
    public long? LastCommitted(NpgsqlConnection connection, Guid jobId)
    {
        using var command = new NpgsqlCommand($"SELECT max(checkpoint_id) FROM {CommitTable} WHERE job_id = @job AND node = @node", connection);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("node", node);
        try
        {
            return command.ExecuteScalar() is long id ? id : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <summary>Drops the run's commit records older than its newest one (they say nothing the newest does not).</summary>
    public void PruneRecords(NpgsqlConnection connection, Guid jobId, long newest)
    {
        using var command = new NpgsqlCommand($"DELETE FROM {CommitTable} WHERE job_id = @job AND node = @node AND checkpoint_id < @newest", connection);
        command.Parameters.AddWithValue("job", jobId);
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("newest", newest);
        command.ExecuteNonQuery();
    }
}
