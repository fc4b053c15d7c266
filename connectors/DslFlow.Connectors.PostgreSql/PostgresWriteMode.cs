namespace DslFlow.Connectors.PostgreSql;

/// <summary>How a <see cref="PostgresSink{T}"/> writes rows.</summary>
public enum PostgresWriteMode
{
    /// <summary>Appends every record as a new row, streamed with binary <c>COPY</c> (the fastest way into PostgreSQL).</summary>
    Insert,

    /// <summary>
    /// Inserts a row per key or updates the existing one (<c>INSERT … ON CONFLICT (keys) DO UPDATE</c>), for keyed results
    /// where the latest value per key is the answer; the key columns (<see cref="PostgresSink{T}.KeyColumns"/>) need a
    /// unique index. Rows go in batches of arrays (<c>unnest</c>): one round trip per batch, never per record.
    /// </summary>
    Upsert,
}
