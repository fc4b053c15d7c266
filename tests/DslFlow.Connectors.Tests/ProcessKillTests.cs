using System.Diagnostics;
using System.Globalization;
using DslFlow.Connectors.Tests.Nats;
using DslFlow.Connectors.Tests.PostgreSql;
using DslFlow.Connectors.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Connectors.Tests;

/// <summary>
/// A child process runs JetStream → keyed running totals → <c>PostgresSink</c> and is killed with SIGKILL at seeded
/// moments, then started again from its checkpoints; the committed table must equal that of a run without failures —
/// every (customer, orders) row once. Prepared transactions of the killed runs must all be ended.
/// </summary>
public class ProcessKillTests(PostgresFixture postgres, NatsFixture nats, ITestOutputHelper output)
    : IClassFixture<PostgresFixture>, IClassFixture<NatsFixture>
{
    private const string Table = "CREATE TABLE customer_totals (customer int NOT NULL, orders bigint NOT NULL, cents bigint NOT NULL)";
    private const string Rows = "SELECT customer || ':' || orders || ':' || cents FROM customer_totals ORDER BY customer, orders, cents";

    [Fact]
    public async Task JetStream_to_a_keyed_aggregate_to_PostgreSQL_killed_and_restarted_commits_what_a_run_without_failures_commits()
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        const int orders = 20_000;
        string stream = nats.CreateStream();
        // Orders as the harness reads them (JSON of its Order record): 50 customers, each on one of four subjects, so
        // a customer's orders arrive in stream order and its running totals are the same in every run.
        nats.PublishRaw(Enumerable.Range(0, orders).Select(i => ($"{stream}.{i % 50 % 4}",
            System.Text.Encoding.UTF8.GetBytes($"{{\"Id\":{i},\"Customer\":{i % 50},\"Cents\":{random.Next(1, 10_000)}}}"))));

        string reference = postgres.CreateDatabase(Table);
        using (var clean = new TempDirectory())
        {
            await RunToEndAsync(clean.Path, stream, reference, slowEvery: 0);
        }
        List<string> expected = Sql.Column<string>(reference, Rows);
        Assert.Equal(orders, expected.Count);

        string database = postgres.CreateDatabase(Table);
        using var work = new TempDirectory();
        for (int kill = 0; kill < 4; kill++)
        {
            using Process child = Start(work.Path, stream, database, slowEvery: 5);
            await WaitForLineAsync(child, "started");
            await Task.Delay(random.Next(200, 900));
            // Prefer to kill while a transaction is prepared but not committed (between a barrier and the completion).
            var deadline = Stopwatch.StartNew();
            long prepared = 0;
            while (deadline.ElapsedMilliseconds < 300 && (prepared = Sql.Prepared(database)) == 0)
            {
                await Task.Delay(1);
            }
            if (child.HasExited)
            {
                // It finished: the earlier runs did the rest (the first kill always lands: the pacing alone takes 2 s).
                Assert.True(kill > 0, "the first child finished before it was killed; raise the order count or slow it down");
                Assert.True(child.ExitCode == 0, $"the child failed ({child.ExitCode}): {await child.StandardError.ReadToEndAsync()}");
                break;
            }
            child.Kill();
            await child.WaitForExitAsync();
            output.WriteLine($"kill {kill + 1}: {(prepared > 0 ? "with transactions prepared" : "between checkpoints")}, "
                + $"{Sql.Count(database, "SELECT count(*) FROM customer_totals")} rows committed, {Sql.Prepared(database)} prepared left");
        }
        await RunToEndAsync(work.Path, stream, database, slowEvery: 0);

        Assert.Equal(expected, Sql.Column<string>(database, Rows));
        Assert.Equal(0, Sql.Prepared(database));
    }

    private async Task RunToEndAsync(string work, string stream, string database, int slowEvery)
    {
        using Process child = Start(work, stream, database, slowEvery);
        string stdout = await child.StandardOutput.ReadToEndAsync();
        string stderr = await child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(child.ExitCode == 0, $"the child exited with {child.ExitCode}: {stdout} {stderr}");
        Assert.EndsWith("finished", stdout.Trim());
    }

    private static async Task WaitForLineAsync(Process child, string prefix)
    {
        while (await child.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1)) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return;
            }
        }
        Assert.Fail($"the child exited before printing '{prefix}': {await child.StandardError.ReadToEndAsync()}");
    }

    private Process Start(string work, string stream, string database, int slowEvery)
    {
        var outputFolder = new DirectoryInfo(AppContext.BaseDirectory);
        DirectoryInfo project = outputFolder.Parent!.Parent!.Parent!;
        string harness = Path.Combine(project.Parent!.FullName, "DslFlow.Connectors.KillHarness",
            Path.GetRelativePath(project.FullName, outputFolder.FullName), "DslFlow.Connectors.KillHarness.dll");
        Assert.True(File.Exists(harness), $"the harness is not built at {harness}");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])[harness, work, nats.Url, stream, database, slowEvery.ToString(CultureInfo.InvariantCulture)])
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start) ?? throw new InvalidOperationException("the harness did not start");
    }
}
