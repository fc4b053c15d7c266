using DslFlow.Checkpointing;
using DslFlow.Connectors.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Connectors.Tests.PostgreSql;

/// <summary>
/// <see cref="DslFlow.Connectors.PostgreSql.PostgresSink{T}"/> against a real PostgreSQL, in the shape of Flink's
/// <c>UnalignedCheckpointITCase</c>: failures injected while records flow, aligned and unaligned; the table must hold
/// every record exactly once — no duplicate, no gap — and no prepared transaction may be left behind.
/// </summary>
[Collection(PostgresPipelineCollection.Name)]
public class PostgresSinkExactlyOnceTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const string NumbersTable = "CREATE TABLE numbers (value bigint NOT NULL, bucket int NOT NULL)";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rows_equal_the_records_exactly_once_through_failures(bool unaligned)
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        const long records = 30_000;
        string database = postgres.CreateDatabase(NumbersTable);
        NumbersToPostgres.ConnectionString = database;
        NumbersToPostgres.Records = records;
        NumbersToPostgres.RecordsPerSecond = 40_000;
        NumbersToPostgres.Failures = new Failures(Failures.Spread(new Random(seed), records, 3), slowEvery: unaligned ? 8 : 0);
        using var checkpoints = new TempDirectory();

        JobHandle job = NumbersToPostgres.Start(JobOptions.Create(checkpoints.Path, parallelism: 3, unaligned));
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        string run = $"seed {seed}, restarts {job.RestartCount}, checkpoints {string.Join(", ", job.Checkpoints.Select(c => $"{c.Id} {c.Status}"))}";
        Assert.True(NumbersToPostgres.Failures.Injected == 3, "failures injected: " + NumbersToPostgres.Failures.Injected + "; " + run);
        Assert.True(job.RestartCount >= 1, run);
        Assert.True(job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) >= 3, run);
        List<long> values = Sql.Column<long>(database, "SELECT value FROM numbers ORDER BY value");
        Assert.True(values.Count == records, $"{values.Count} rows for {records} records; {values.Count - values.Distinct().Count()} duplicates; " + run);
        Assert.Equal(Enumerable.Range(0, (int)records).Select(i => (long)i), values);
        Assert.Equal(0, Sql.Prepared(database));
        if (unaligned)
        {
            Assert.Contains(job.Checkpoints, c => c.Status == CheckpointStatus.Completed && c.IsUnaligned);
        }
    }

    [Fact]
    public async Task Upserts_of_the_same_keys_in_consecutive_checkpoints_commit_through_failures_and_end_with_each_keys_total()
    {
        // Each checkpoint's transaction updates every key the previous one (prepared, not yet committed) updated: the
        // writer waits for its locks, so the commit must come from the sink's committer, not from the writer's thread.
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        const long records = 20_000;
        string database = postgres.CreateDatabase("CREATE TABLE totals (key int PRIMARY KEY, count bigint NOT NULL)");
        CountsToPostgres.ConnectionString = database;
        CountsToPostgres.Records = records;
        CountsToPostgres.Failures = new Failures(Failures.Spread(new Random(seed), records, 2));
        using var checkpoints = new TempDirectory();

        JobHandle job = CountsToPostgres.Start(JobOptions.Create(checkpoints.Path, parallelism: 2, unaligned: false));
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(2, CountsToPostgres.Failures.Injected);
        List<long> counts = Sql.Column<long>(database, "SELECT count FROM totals ORDER BY key");
        Assert.Equal(Enumerable.Repeat(records / CountsToPostgres.Keys, CountsToPostgres.Keys), counts);
        Assert.Equal(0, Sql.Prepared(database));
    }

    [Fact]
    public async Task A_server_restarted_while_the_job_runs_fails_the_job_over_and_loses_nothing()
    {
        const long records = 40_000;
        string database = postgres.CreateDatabase(NumbersTable);
        NumbersToPostgres.ConnectionString = database;
        NumbersToPostgres.Records = records;
        NumbersToPostgres.RecordsPerSecond = 10_000; // four seconds of input
        NumbersToPostgres.Failures = new Failures([]);
        using var checkpoints = new TempDirectory();

        JobHandle job = NumbersToPostgres.Start(JobOptions.Create(checkpoints.Path, parallelism: 2, unaligned: false));
        await using (job)
        {
            while (job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) < 3)
            {
                await Task.Delay(10);
            }
            postgres.Server.Stop(); // mid-interval: the open transactions die with their connections, prepared ones survive
            await Task.Delay(500);
            postgres.Server.Start();
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        output.WriteLine($"restarts {job.RestartCount}");
        Assert.True(job.RestartCount >= 1);
        Assert.Equal(Enumerable.Range(0, (int)records).Select(i => (long)i), Sql.Column<long>(database, "SELECT value FROM numbers ORDER BY value"));
        Assert.Equal(0, Sql.Prepared(database));
    }

    [Fact]
    public async Task Without_checkpoints_every_batch_commits_at_once()
    {
        const long records = 5_000;
        string database = postgres.CreateDatabase(NumbersTable);
        NumbersToPostgres.ConnectionString = database;
        NumbersToPostgres.Records = records;
        NumbersToPostgres.RecordsPerSecond = 0;
        NumbersToPostgres.Failures = new Failures([]);

        JobHandle job = NumbersToPostgres.Start(new PipelineOptions { DefaultParallelism = 2 });
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(records, Sql.Count(database, "SELECT count(DISTINCT value) FROM numbers"));
        Assert.Equal(records, Sql.Count(database, "SELECT count(*) FROM numbers"));
    }
}

/// <summary>The pipelines' settings are static: classes that run them do not run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresPipelineCollection
{
    public const string Name = "PostgreSQL pipelines";
}
