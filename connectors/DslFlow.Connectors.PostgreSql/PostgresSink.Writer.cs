using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

public sealed partial class PostgresSink<T>
{
    /// <summary>
    /// One subtask's writer on its own connection. With checkpoints, the records after a barrier open a transaction
    /// (insert mode streams them into one binary COPY; upsert mode sends each batch as one statement), the next barrier
    /// prepares it, and a completed checkpoint commits it — through the sink, which also commits on the job's side
    /// (<see cref="OnCheckpointCompleted"/>), so a writer waiting on a lock of the previous prepared transaction cannot hold
    /// back that transaction's commit. Without checkpoints every batch commits at once.
    /// </summary>
    private sealed class Writer : ITwoPhaseCommitWriter<T>
    {
        private readonly PostgresSink<T> _sink;
        private readonly NpgsqlConnection _connection;
        private readonly PostgresTable _table;
        private readonly NodeContext _context;
        private readonly string _copy;
        private readonly string? _upsert;
        private NpgsqlBinaryImporter? _importer;
        private bool _inTransaction;
        private int _parts;

        public Writer(PostgresSink<T> sink, NpgsqlConnection connection, PostgresTable table, NodeContext context)
        {
            _sink = sink;
            _connection = connection;
            _table = table;
            _context = context;
            string columns = string.Join(", ", sink._map.Columns.Select(c => Quote(c.Name)));
            _copy = $"COPY {table.QuotedName} ({columns}) FROM STDIN (FORMAT BINARY)";
            _upsert = sink.Mode == PostgresWriteMode.Upsert ? UpsertSql(sink, table, columns) : null;
            Execute(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"SET lock_timeout = {(long)sink.LockTimeout.TotalMilliseconds}"));
        }

        public void Write(ReadOnlySpan<T> records)
        {
            try
            {
                WriteBatch(records);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                throw new InvalidOperationException($"PostgresSink '{_context.NodeName}' (subtask {_context.SubtaskIndex}) waited "
                    + $"longer than LockTimeout ({_sink.LockTimeout.TotalSeconds:0.###} s) for a row lock of table {_table.QuotedName}: "
                    + "another transaction holds rows this batch writes. When two subtasks write the same rows (records of one key "
                    + "reaching two subtasks in upsert mode), each waits for the other's checkpoint: key the sink's input by "
                    + "its key columns. Otherwise look for a session holding locks on the table (pg_locks).", ex);
            }
        }

        private void WriteBatch(ReadOnlySpan<T> records)
        {
            if (records.IsEmpty)
            {
                return;
            }
            bool transactional = _context.CheckpointsEnabled;
            if (transactional && !_inTransaction)
            {
                Execute("BEGIN");
                _inTransaction = true;
            }
            if (_upsert is not null)
            {
                Upsert(records);
                return;
            }
            _importer ??= _connection.BeginBinaryImport(_copy);
            IReadOnlyList<PostgresColumn<T>> columns = _sink._map.Columns;
            IReadOnlyList<string> types = _table.ColumnTypes;
            foreach (T record in records)
            {
                _importer.StartRow();
                for (int c = 0; c < columns.Count; c++)
                {
                    columns[c].Write(_importer, record, types[c]);
                }
            }
            if (!transactional)
            {
                EndCopy(); // autocommit: the batch is visible now
            }
        }

        public void PreCommit(long checkpointId)
        {
            if (!_inTransaction)
            {
                return; // nothing written since the last barrier: no transaction
            }
            EndCopy();
            int part = _parts++;
            _sink._transactions!.InsertRecord(_connection, _context.JobId, _context.SubtaskIndex, checkpointId, part);
            string gid = _sink._transactions.GlobalId(_context.JobId, _context.SubtaskIndex, checkpointId, part);
            Execute($"PREPARE TRANSACTION '{gid}'");
            _inTransaction = false;
        }

        public void Commit(long checkpointId) => _sink.CommitUpTo(_context.JobId, checkpointId);

        public void Flush() => EndCopy();

        public void Dispose()
        {
            try
            {
                _importer?.Dispose(); // an unfinished COPY is cancelled
                if (_inTransaction && _connection.State == System.Data.ConnectionState.Open)
                {
                    Execute("ROLLBACK");
                }
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                _context.Logger.LogDebug(ex, "PostgresSink {Sink}: rolling back the open transaction failed (the server drops it with the connection)", _context.NodeName);
            }
            finally
            {
                _connection.Dispose();
            }
        }

        private void EndCopy()
        {
            if (_importer is { } importer)
            {
                _importer = null;
                importer.Complete();
                importer.Dispose();
            }
        }

        private void Upsert(ReadOnlySpan<T> records)
        {
            using var command = new NpgsqlCommand(_upsert, _connection);
            IReadOnlyList<PostgresColumn<T>> columns = _sink._map.Columns;
            for (int c = 0; c < columns.Count; c++)
            {
                command.Parameters.Add(columns[c].ArrayParameter(records, _table.ColumnTypes[c]));
            }
            command.ExecuteNonQuery();
        }

        private void Execute(string sql)
        {
            using var command = new NpgsqlCommand(sql, _connection);
            command.ExecuteNonQuery();
        }

        /// <summary>
        /// One statement per batch: the batch's columns as arrays, the last record per key kept (two rows with one key in
        /// one statement would be an error), inserted or updated.
        /// </summary>
        private static string UpsertSql(PostgresSink<T> sink, PostgresTable table, string columns)
        {
            IReadOnlyList<PostgresColumn<T>> mapped = sink._map.Columns;
            var arrays = new StringBuilder();
            for (int c = 0; c < mapped.Count; c++)
            {
                arrays.Append(c == 0 ? "" : ", ").Append('$').Append(c + 1).Append("::").Append(table.ColumnTypes[c]).Append("[]");
            }
            string keys = string.Join(", ", sink.KeyColumns.Select(Quote));
            string[] others = mapped.Select(c => c.Name).Where(n => !sink.KeyColumns.Contains(n)).ToArray();
            string onConflict = others.Length == 0 ? "DO NOTHING"
                : "DO UPDATE SET " + string.Join(", ", others.Select(n => $"{Quote(n)} = EXCLUDED.{Quote(n)}"));
            return $"INSERT INTO {table.QuotedName} ({columns}) SELECT {columns} FROM (SELECT DISTINCT ON ({keys}) {columns} "
                + $"FROM unnest({arrays}) WITH ORDINALITY AS batch({columns}, dslflow_ordinal) ORDER BY {keys}, dslflow_ordinal DESC) AS latest "
                + $"ON CONFLICT ({keys}) {onConflict}";
        }

        private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
