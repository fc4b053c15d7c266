using System.Diagnostics;
using DslFlow.Bench.Harness;
using DslFlow.Connectors.Servers;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;
using Npgsql;

namespace DslFlow.Bench.Connectors;

/// <summary>
/// What the connectors cost against the bare clients, on servers the scenario starts itself (PostgreSQL 15 and
/// nats-server with JetStream, on loopback, in temporary directories), in rounds that alternate which side goes first;
/// medians of the rounds (after a warm-up run of each). <c>postgres_sink_ratio</c>: rows/s of a job writing through <c>PostgresSink</c> (exactly
/// once: binary COPY per checkpoint interval, prepared and committed with checkpoints every 200 ms) ÷ a hand-written
/// Npgsql binary COPY of the same rows in one transaction. <c>jetstream_ratio</c>: records/s of a job reading a stream
/// through <c>JetStreamSource</c> and writing it to another through <c>JetStreamSink</c> (exactly once: published after
/// each checkpoint, with message ids) ÷ the bare client consuming the same messages with one ordered consumer and
/// publishing each to another stream (1024 acknowledgements outstanding). Both jobs run with parallelism 1.
/// </summary>
internal static class ConnectorsScenario
{
    public static async Task<Report> RunAsync(bool quick)
    {
        int rounds = quick ? 3 : 5;
        var report = new Report();
        using (var postgres = new PostgresServer())
        {
            MeasurePostgres(report, postgres, rounds, rows: quick ? 1_000_000 : 4_000_000);
        }
        using (var nats = new NatsServer())
        {
            await MeasureJetStreamAsync(report, nats, rounds, messages: quick ? 100_000 : 300_000);
        }
        report.Add("rounds", rounds);
        return report;
    }

    private static void MeasurePostgres(Report report, PostgresServer server, int rounds, long rows)
    {
        string database = server.CreateDatabase();
        Execute(database, "CREATE TABLE bench_rows (id bigint NOT NULL, value bigint NOT NULL)");
        RunPostgresJob(database, rows / 10); // warm-up: JIT and the server's caches, not counted
        CopyLoop(database, rows / 10);
        var sink = new List<double>();
        var copy = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            double job = 0, bare = 0;
            foreach (bool jobFirst in round % 2 == 0 ? (bool[])[true, false] : [false, true])
            {
                Execute(database, "TRUNCATE bench_rows");
                if (jobFirst)
                {
                    job = RunPostgresJob(database, rows);
                }
                else
                {
                    bare = CopyLoop(database, rows);
                }
                long count = Count(database);
                if (count != rows)
                {
                    throw new InvalidOperationException($"{count} rows in the table after writing {rows}");
                }
            }
            sink.Add(job);
            copy.Add(bare);
            ratios.Add(job / bare);
            Console.WriteLine($"postgres round {round + 1}: PostgresSink {job,12:N0} rows/s, binary COPY loop {bare,12:N0} rows/s, ratio {job / bare:F3}");
        }
        report.Add("postgres_sink_ratio", Measure.Median(ratios));
        report.Add("postgres_sink_rows_per_second", Measure.Median(sink));
        report.Add("postgres_copy_rows_per_second", Measure.Median(copy));
        report.Add("postgres_rows", rows);
    }

    private static double RunPostgresJob(string database, long rows)
    {
        using var checkpoints = new TempFolder();
        PostgresSinkBench.Records = rows;
        PostgresSinkBench.Database = database;
        var clock = Stopwatch.StartNew();
        JobHandle job = PostgresSinkBench.Start(Options(checkpoints.Path));
        job.Completion.GetAwaiter().GetResult();
        job.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return rows / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The hand-written baseline: one connection, one transaction, one binary COPY of every row.</summary>
    private static double CopyLoop(string database, long rows)
    {
        var clock = Stopwatch.StartNew();
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using NpgsqlTransaction transaction = connection.BeginTransaction();
        using (NpgsqlBinaryImporter importer = connection.BeginBinaryImport("COPY bench_rows (id, value) FROM STDIN (FORMAT BINARY)"))
        {
            for (long i = 0; i < rows; i++)
            {
                var row = new BenchRow(i, i * 3);
                importer.StartRow();
                importer.Write(row.Id, "int8");
                importer.Write(row.Value, "int8");
            }
            importer.Complete();
        }
        transaction.Commit();
        return rows / clock.Elapsed.TotalSeconds;
    }

    private static async Task MeasureJetStreamAsync(Report report, NatsServer server, int rounds, int messages)
    {
        await using var connection = new NatsConnection(new NatsOpts { Url = server.Url });
        await connection.ConnectAsync();
        INatsJSContext js = connection.CreateJetStreamContext();
        await js.CreateStreamAsync(new StreamConfig("BENCH_IN", ["BENCH_IN.*"]));
        await PublishAsync(js, Enumerable.Range(0, messages).Select(i => ($"BENCH_IN.{i % 4}", JetStreamBench.Payload.Serialize(new BenchMessage(i, i)))), ids: false);
        var pipeline = new List<double>();
        var bare = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            double job = 0, loop = 0;
            foreach (bool jobFirst in round % 2 == 0 ? (bool[])[true, false] : [false, true])
            {
                string output = $"BENCH_OUT_{round}_{(jobFirst ? "JOB" : "LOOP")}";
                await js.CreateStreamAsync(new StreamConfig(output, [$"{output}.*"]));
                if (jobFirst)
                {
                    job = RunJetStreamJob(server.Url, output, messages);
                }
                else
                {
                    loop = await BareClientAsync(js, output, messages);
                }
                INatsJSStream written = await js.GetStreamAsync(output);
                if (written.Info.State.Messages != messages)
                {
                    throw new InvalidOperationException($"{written.Info.State.Messages} messages in {output} after copying {messages}");
                }
                await js.DeleteStreamAsync(output);
            }
            pipeline.Add(job);
            bare.Add(loop);
            ratios.Add(job / loop);
            Console.WriteLine($"jetstream round {round + 1}: source + sink {job,12:N0} records/s, bare client {loop,12:N0} records/s, ratio {job / loop:F3}");
        }
        report.Add("jetstream_ratio", Measure.Median(ratios));
        report.Add("jetstream_job_records_per_second", Measure.Median(pipeline));
        report.Add("jetstream_client_records_per_second", Measure.Median(bare));
        report.Add("jetstream_messages", messages);
    }

    private static double RunJetStreamJob(string url, string output, int messages)
    {
        using var checkpoints = new TempFolder();
        JetStreamBench.Url = url;
        JetStreamBench.Input = "BENCH_IN";
        JetStreamBench.Output = output;
        var clock = Stopwatch.StartNew();
        JobHandle job = JetStreamBench.Start(Options(checkpoints.Path));
        job.Completion.GetAwaiter().GetResult();
        job.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return messages / clock.Elapsed.TotalSeconds;
    }

    /// <summary>The hand-written baseline: an ordered consumer over the stream, each message decoded and published on.</summary>
    private static async Task<double> BareClientAsync(INatsJSContext js, string output, int messages)
    {
        var clock = Stopwatch.StartNew();
        INatsJSConsumer consumer = await js.CreateOrderedConsumerAsync("BENCH_IN");
        var inFlight = new Queue<ValueTask<PubAckResponse>>();
        int read = 0;
        await foreach (NatsJSMsg<byte[]> message in consumer.ConsumeAsync<byte[]>())
        {
            BenchMessage record = JetStreamBench.Payload.Deserialize(message.Data);
            inFlight.Enqueue(js.PublishAsync($"{output}.all", JetStreamBench.Payload.Serialize(record),
                opts: new NatsJSPubOpts { MsgId = $"bench/{record.Id}" }));
            if (inFlight.Count >= 1024)
            {
                (await inFlight.Dequeue()).EnsureSuccess();
            }
            if (++read == messages)
            {
                break;
            }
        }
        while (inFlight.Count > 0)
        {
            (await inFlight.Dequeue()).EnsureSuccess();
        }
        return messages / clock.Elapsed.TotalSeconds;
    }

    private static async Task PublishAsync(INatsJSContext js, IEnumerable<(string Subject, byte[] Payload)> messages, bool ids)
    {
        var inFlight = new Queue<ValueTask<PubAckResponse>>();
        long index = 0;
        foreach ((string subject, byte[] payload) in messages)
        {
            inFlight.Enqueue(js.PublishAsync(subject, payload, opts: ids ? new NatsJSPubOpts { MsgId = $"m{index}" } : null));
            index++;
            if (inFlight.Count >= 1024)
            {
                (await inFlight.Dequeue()).EnsureSuccess();
            }
        }
        while (inFlight.Count > 0)
        {
            (await inFlight.Dequeue()).EnsureSuccess();
        }
    }

    private static PipelineOptions Options(string checkpoints)
    {
        var options = new PipelineOptions { DefaultParallelism = 1 };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(200);
        options.Checkpointing.Directory = checkpoints;
        return options;
    }

    private static void Execute(string database, string sql)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private static long Count(string database)
    {
        using var connection = new NpgsqlConnection(database);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT count(*) FROM bench_rows", connection);
        return (long)command.ExecuteScalar()!;
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("dslflow-bench-").FullName;

        public void Dispose() => Measure.DeleteDirectory(Path);
    }
}
