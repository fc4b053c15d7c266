using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace DslFlow.Connectors.PostgreSql;

/// <summary>
/// Writes records into a PostgreSQL table exactly once, by two-phase commit (Flink's JDBC exactly-once sink, with
/// PostgreSQL's <c>PREPARE TRANSACTION</c>): each subtask writes the records of a checkpoint interval in one
/// transaction — streamed with binary <c>COPY</c>, or as batched upserts — prepares it at the checkpoint's barrier
/// under a global id naming the job run, the subtask and the checkpoint, and commits it (<c>COMMIT PREPARED</c>) when
/// the checkpoint completed. A restart commits the prepared transactions the restored checkpoint covers and rolls back
/// the rest, whose records the sources replay. Without checkpoints every batch commits at once (at least once).
/// </summary>
/// <remarks>
/// The server needs <c>max_prepared_transactions</c> above 0 (at least twice the sink's parallelism). A prepared
/// transaction holds its row locks and blocks DDL on its table (and the creation of logical replication slots) until it
/// commits, which is one checkpoint later: keep checkpoints frequent, and never leave a failed job's prepared transactions
/// behind — restarting the job from its checkpoints ends them, and the sink warns at start about other runs' leftovers.
/// </remarks>
/// <typeparam name="T">The record type.</typeparam>
public sealed partial class PostgresSink<T> : ISink<T>, ITransactionalSink, ISinkCommitter
{
    private readonly Lock _commitLock = new();
    private readonly Dictionary<Guid, long> _committedUpTo = [];
    private readonly NpgsqlDataSource _dataSource;
    private readonly PostgresRowMap<T> _map;
    private PostgresConnections? _connections;
    private PostgresTransactions? _transactions;
    private PostgresTable? _described;
    private string? _node;
    private ILogger _logger = NullLogger.Instance;
    private readonly int _connectAttempts = 5;
    private readonly TimeSpan _connectBackoff = TimeSpan.FromMilliseconds(200);

    /// <summary>A sink into <paramref name="table"/> of the database a connection string names.</summary>
    /// <param name="connectionString">An Npgsql connection string (<c>Host=…;Port=…;Database=…;Username=…</c>).</param>
    /// <param name="table">The table, schema-qualified or not, as in SQL (<c>orders</c>, <c>sales.orders</c>).</param>
    /// <param name="map">Which member goes to which column; by default <see cref="PostgresRowMap{T}.ByConvention"/>.</param>
    public PostgresSink(string connectionString, string table, PostgresRowMap<T>? map = null)
        : this(NpgsqlDataSource.Create(connectionString ?? throw new ArgumentNullException(nameof(connectionString))), table, map)
    {
    }

    /// <summary>A sink into <paramref name="table"/> through a data source the application configured (pooling, TLS, logging).</summary>
    public PostgresSink(NpgsqlDataSource dataSource, string table, PostgresRowMap<T>? map = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        _dataSource = dataSource;
        Table = table;
        _map = map ?? PostgresRowMap<T>.ByConvention();
        if (_map.Columns.Count == 0)
        {
            throw new ArgumentException($"The row map of PostgresSink<{typeof(T).Name}> maps no column.", nameof(map));
        }
    }

    /// <summary>The table the records go to.</summary>
    public string Table { get; }

    /// <summary>Appends rows (<see cref="PostgresWriteMode.Insert"/>, the default) or upserts them by <see cref="KeyColumns"/>.</summary>
    public PostgresWriteMode Mode { get; init; }

    /// <summary>The columns an upsert matches on: the table's primary key or a unique index (Upsert mode only).</summary>
    public IReadOnlyList<string> KeyColumns { get; init; } = [];

    /// <summary>
    /// The table of commit records, created when missing (default <c>dslflow_sink_commits</c>): each prepared transaction
    /// inserts a row naming its job run, node, subtask and checkpoint, so what was committed is known after a crash.
    /// </summary>
    public string CommitTable { get; init; } = "dslflow_sink_commits";

    /// <summary>How many times opening a connection is tried before the job fails with the reason. Default 5.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int ConnectAttempts
    {
        get => _connectAttempts;
        init => _connectAttempts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(ConnectAttempts), value,
            "PostgresSink.ConnectAttempts must be at least 1.");
    }

    /// <summary>The wait before the second attempt to connect, doubled for each later one. Default 200 ms.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan ConnectBackoff
    {
        get => _connectBackoff;
        init => _connectBackoff = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(ConnectBackoff), value,
            "PostgresSink.ConnectBackoff cannot be negative.");
    }

    /// <summary>
    /// How long a write may wait for a row lock before it fails (PostgreSQL's <c>lock_timeout</c> on the writers'
    /// connections; default 1 minute). A write waits normally only for the previous checkpoint's prepared transaction
    /// of the same subtask, which the sink commits within moments of the completion. A longer wait means two subtasks
    /// write the same rows — in upsert mode, records of one key reaching two subtasks — and each would wait for the
    /// other's checkpoint barrier: the job fails over instead of hanging. Key the sink's input by its key columns.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Bind(context.NodeName, context.Logger);
        NpgsqlConnection connection = _connections!.Open(context.Logger, context.Cancellation);
        try
        {
            PostgresTable table = Describe(connection, context.CheckpointsEnabled);
            if (context.CheckpointsEnabled && context.SubtaskIndex == 0 && MaxPreparedTransactions(connection) < 2 * context.Parallelism)
            {
                context.Logger.LogWarning("PostgresSink {Sink}: max_prepared_transactions is below twice its parallelism ({Parallelism}); "
                    + "a checkpoint can fail when every subtask holds two prepared transactions", context.NodeName, context.Parallelism);
            }
            return new Writer(this, connection, table, context);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void RecoverTransactions(SinkRecoveryContext recovery)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        Bind(recovery.NodeName, recovery.Logger);
        bool transactional = recovery.JobId != Guid.Empty;
        lock (_commitLock)
        {
            using NpgsqlConnection connection = _connections!.Open(recovery.Logger);
            Describe(connection, transactional);
            if (!transactional)
            {
                return;
            }
            int committed = 0, rolledBack = 0;
            foreach ((string gid, long checkpoint) in _transactions!.Prepared(connection, recovery.JobId))
            {
                bool commit = recovery.RestoredCheckpointId is long restored && checkpoint <= restored;
                if (PostgresTransactions.Finish(connection, gid, commit))
                {
                    _ = commit ? committed++ : rolledBack++;
                }
            }
            if (recovery.RestoredCheckpointId is long id)
            {
                _committedUpTo[recovery.JobId] = id;
            }
            if (committed + rolledBack > 0)
            {
                recovery.Logger.LogInformation("PostgresSink {Sink}: committed {Committed} and rolled back {RolledBack} prepared "
                    + "transactions of job run {JobId} (restored checkpoint {CheckpointId})", recovery.NodeName, committed, rolledBack,
                    recovery.JobId, recovery.RestoredCheckpointId);
            }
            if (_transactions.Foreign(connection, recovery.JobId) is { Count: > 0 } foreign)
            {
                recovery.Logger.LogWarning("PostgresSink {Sink}: {Count} prepared transactions of other job runs at this node hold "
                    + "their locks ({Examples}); unless a job still runs with them, end them with ROLLBACK PREPARED '<gid>'",
                    recovery.NodeName, foreign.Count, string.Join(", ", foreign.Take(3)));
            }
        }
    }

    /// <inheritdoc />
    public long? LastCommittedCheckpoint(Guid jobId)
    {
        _connections ??= new PostgresConnections(_dataSource, _node ?? Table, _connectAttempts, _connectBackoff);
        using NpgsqlConnection connection = _connections.Open(_logger);
        using var command = new NpgsqlCommand($"SELECT max(checkpoint_id) FROM {CommitTable} WHERE job_id = @job", connection);
        command.Parameters.AddWithValue("job", jobId);
        try
        {
            return command.ExecuteScalar() is long id ? id : null;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public void OnCheckpointCompleted(Guid jobId, long checkpointId) => ThreadPool.UnsafeQueueUserWorkItem(_ =>
    {
        try
        {
            CommitUpTo(jobId, checkpointId);
        }
        catch (Exception ex)
        {
            // The writers commit it too when they hear of the completion, and a restart commits what the checkpoint covers.
            _logger.LogWarning(ex, "PostgresSink {Sink}: committing checkpoint {CheckpointId} failed; the writers or the "
                + "next recovery commit it", _node, checkpointId);
        }
    }, null);

    /// <summary>Commits every prepared transaction of the run up to the checkpoint (any subtask's); serialized, idempotent.</summary>
    internal void CommitUpTo(Guid jobId, long checkpointId)
    {
        lock (_commitLock)
        {
            if (_committedUpTo.TryGetValue(jobId, out long done) && done >= checkpointId)
            {
                return;
            }
            using NpgsqlConnection connection = _connections!.Open(_logger);
            long? newest = null;
            foreach ((string gid, long checkpoint) in _transactions!.Prepared(connection, jobId))
            {
                if (checkpoint <= checkpointId && PostgresTransactions.Finish(connection, gid, commit: true))
                {
                    newest = Math.Max(newest ?? 0, checkpoint);
                }
            }
            if (newest is long id)
            {
                _transactions.PruneRecords(connection, jobId, id);
            }
            _committedUpTo[jobId] = checkpointId;
        }
    }

    /// <summary>The sink serves one node: the first writer or recovery names it.</summary>
    private void Bind(string node, ILogger logger)
    {
        lock (_commitLock)
        {
            if (_node is not null && _node != node)
            {
                throw new InvalidOperationException($"One PostgresSink instance serves one node; it serves '{_node}', not '{node}'. "
                    + "Return a new PostgresSink from each [Sink] method.");
            }
            if (PostgresTransactions.Prefix(Guid.Empty, node).Length + 40 > PostgresTransactions.MaxGlobalIdLength)
            {
                throw new JobConfigurationException($"PostgresSink: node name '{node}' is too long for a prepared transaction's id; shorten it.");
            }
            _node = node;
            _logger = logger;
            _connections ??= new PostgresConnections(_dataSource, node, _connectAttempts, _connectBackoff);
            _transactions ??= new PostgresTransactions(node, CommitTable);
        }
    }

    /// <summary>The table, checked against the map once; the server's settings and the commit table when transactional.</summary>
    private PostgresTable Describe(NpgsqlConnection connection, bool transactional)
    {
        if (transactional)
        {
            int max = MaxPreparedTransactions(connection);
            if (max == 0)
            {
                throw new JobConfigurationException($"PostgresSink '{_node}': the server has max_prepared_transactions = 0, so it "
                    + "cannot prepare transactions, which exactly-once writes need. Set max_prepared_transactions in postgresql.conf "
                    + "(at least twice the sink's parallelism, e.g. 64) and restart PostgreSQL.");
            }
            _transactions!.EnsureCommitTable(connection);
        }
        return _described ??= PostgresTable.Describe(connection, _node!, Table, _map.Columns, Mode, KeyColumns);
    }

    private static int MaxPreparedTransactions(NpgsqlConnection connection)
    {
        using var command = new NpgsqlCommand("SHOW max_prepared_transactions", connection);
        return int.Parse((string)command.ExecuteScalar()!, CultureInfo.InvariantCulture);
    }
}
