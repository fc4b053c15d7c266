using System.Diagnostics;
using DslFlow.Connectors.PostgreSql;
using DslFlow.Connectors.Servers;
using DslFlow.Connectors.Tests.Support;

namespace DslFlow.Connectors.Tests.PostgreSql;

/// <summary>Bad configuration fails the job's start at once, saying what is wrong and how to fix it.</summary>
[Collection(PostgresPipelineCollection.Name)]
public class PostgresSinkConfigurationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void A_missing_table_is_named_at_start()
    {
        string message = StartFails(postgres.CreateDatabase());
        Assert.Contains("table 'numbers' does not exist", message);
    }

    [Fact]
    public void A_missing_column_is_named_with_the_columns_the_table_has()
    {
        string message = StartFails(postgres.CreateDatabase("CREATE TABLE numbers (value bigint, bucket_id int)"));
        Assert.Contains("has no column 'bucket' (for NumberRow.Bucket)", message);
        Assert.Contains("its columns are value, bucket_id", message);
    }

    [Fact]
    public void A_member_whose_type_does_not_fit_its_column_is_named_with_the_fix()
    {
        string message = StartFails(postgres.CreateDatabase("CREATE TABLE numbers (value int, bucket int)"));
        Assert.Contains("column 'value' of table numbers is int4, which NumberRow.Value cannot be written to", message);
        Assert.Contains("make the member Int32 or the column int8", message);
    }

    [Fact]
    public void An_upsert_without_a_unique_index_on_its_keys_says_which_index_to_create()
    {
        string database = postgres.CreateDatabase("CREATE TABLE totals (key int, count bigint)");
        CountsToPostgres.ConnectionString = database;
        CountsToPostgres.Records = 10;
        using var checkpoints = new TempDirectory();
        var error = Assert.Throws<JobConfigurationException>(() => CountsToPostgres.Start(JobOptions.Create(checkpoints.Path, 1, false)));
        Assert.Contains("no primary key or unique index on exactly (key)", error.Message);
    }

    [Fact]
    public void An_unreachable_server_fails_the_start_after_bounded_retries_naming_host_and_port()
    {
        int port = ServerProcess.FreePort(); // nothing listens there
        var clock = Stopwatch.StartNew();
        string message = StartFails($"Host=127.0.0.1;Port={port};Username=postgres;Database=none;Timeout=2");
        Assert.Contains($"cannot reach PostgreSQL at 127.0.0.1:{port}", message);
        Assert.Contains("after 8 attempts", message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Two_subtasks_upserting_one_key_fail_after_the_lock_timeout_instead_of_waiting_for_each_other_forever()
    {
        SameKeyToPostgres.ConnectionString = postgres.CreateDatabase("CREATE TABLE totals (key int PRIMARY KEY, count bigint NOT NULL)");
        using var checkpoints = new TempDirectory();
        PipelineOptions options = JobOptions.Create(checkpoints.Path, parallelism: 2, unaligned: false);
        options.RestartStrategy = RestartStrategy.None;
        JobHandle job = SameKeyToPostgres.Start(options);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("waited longer than LockTimeout (2 s) for a row lock", error.ToString());
        Assert.Contains("key the sink's input by its key columns", error.ToString());
        await job.DisposeAsync();
    }

    [Fact]
    public void The_row_map_by_convention_names_columns_in_snake_case_and_honours_column_attributes()
    {
        Assert.Equal("customer_id", PostgresRowMap<NumberRow>.SnakeCase("CustomerId"));
        Assert.Equal("http_status", PostgresRowMap<NumberRow>.SnakeCase("HTTPStatus"));
        Assert.Equal("value2", PostgresRowMap<NumberRow>.SnakeCase("Value2"));
        Assert.Equal(["order_id", "total"], PostgresRowMap<Annotated>.ByConvention().Columns.Select(c => c.Name));
    }

    public sealed record Annotated(int OrderId, [property: System.ComponentModel.DataAnnotations.Schema.Column("total")] decimal Amount,
        [property: System.ComponentModel.DataAnnotations.Schema.NotMapped] string Note);

    private static string StartFails(string connectionString)
    {
        NumbersToPostgres.ConnectionString = connectionString;
        NumbersToPostgres.Records = 10;
        NumbersToPostgres.Failures = new Failures([]);
        using var checkpoints = new TempDirectory();
        var error = Assert.Throws<JobConfigurationException>(() => NumbersToPostgres.Start(JobOptions.Create(checkpoints.Path, 1, false)));
        return error.Message;
    }
}

/// <summary>A server without prepared transactions: the sink says which setting to change.</summary>
public sealed class PostgresWithoutPreparedTransactionsFixture : IDisposable
{
    internal PostgresServer Server { get; } = new(maxPreparedTransactions: 0);

    public void Dispose() => Server.Dispose();
}

[Collection(PostgresPipelineCollection.Name)]
public class PostgresSinkServerSettingTests(PostgresWithoutPreparedTransactionsFixture postgres) : IClassFixture<PostgresWithoutPreparedTransactionsFixture>
{
    [Fact]
    public void A_server_with_max_prepared_transactions_0_fails_the_start_naming_the_setting()
    {
        string database = postgres.Server.CreateDatabase();
        NumbersToPostgres.ConnectionString = database;
        NumbersToPostgres.Records = 10;
        using var checkpoints = new TempDirectory();
        var error = Assert.Throws<JobConfigurationException>(() => NumbersToPostgres.Start(JobOptions.Create(checkpoints.Path, 1, false)));
        Assert.Contains("max_prepared_transactions = 0", error.Message);
        Assert.Contains("Set max_prepared_transactions in postgresql.conf", error.Message);
    }
}
