using DslFlow.Checkpointing;
using DslFlow.Connectors.Tests.Support;
using Xunit.Abstractions;

namespace DslFlow.Connectors.Tests.Nats;

/// <summary>
/// The JetStream source and sink against a real nats-server, in the shape of Flink's <c>UnalignedCheckpointITCase</c>:
/// failures injected while records flow, aligned and unaligned; the output stream must hold every input message
/// exactly once — no duplicate, no gap.
/// </summary>
[Collection(NatsPipelineCollection.Name)]
public class JetStreamExactlyOnceTests(NatsFixture nats, ITestOutputHelper output) : IClassFixture<NatsFixture>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Source_to_sink_delivers_every_message_exactly_once_through_failures(bool unaligned)
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        const int records = 20_000;
        string input = nats.CreateStream(), outputStream = nats.CreateStream();
        nats.Publish(input, Enumerable.Range(0, records).Select(i => new Reading(i, i)), subjects: 4);
        StreamToStream.Url = nats.Url;
        StreamToStream.Input = input;
        StreamToStream.Output = outputStream;
        StreamToStream.Failures = new Failures(Failures.Spread(new Random(seed), records, 3), slowEvery: unaligned ? 8 : 0);
        using var checkpoints = new TempDirectory();

        JobHandle job = StreamToStream.Start(JobOptions.Create(checkpoints.Path, parallelism: 3, unaligned, bufferSize: 32));
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        string run = $"seed {seed}, restarts {job.RestartCount}, checkpoints {job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed)} completed";
        Assert.True(StreamToStream.Failures.Injected == 3, "failures injected: " + StreamToStream.Failures.Injected + "; " + run);
        List<Reading> published = nats.ReadAll(outputStream);
        Assert.True(published.Count == records, $"{published.Count} messages for {records} records; "
            + $"{published.Count - published.Select(r => r.Id).Distinct().Count()} duplicates; " + run);
        Assert.Equal(Enumerable.Range(0, records).Select(i => new Reading(i, 2L * i)), published.OrderBy(r => r.Id));
        if (unaligned)
        {
            Assert.Contains(job.Checkpoints, c => c.Status == CheckpointStatus.Completed && c.IsUnaligned);
        }
    }

    [Fact]
    public async Task The_source_resumes_each_subject_at_its_checkpointed_sequence_in_order_with_more_subtasks_than_one()
    {
        int seed = Environment.TickCount & 0xFFFF;
        output.WriteLine($"seed {seed}");
        const int records = 12_000;
        string input = nats.CreateStream();
        nats.Publish(input, Enumerable.Range(0, records).Select(i => new Reading(i, i)), subjects: 5);
        StreamToCollection.Url = nats.Url;
        StreamToCollection.Input = input;
        StreamToCollection.Subjects = [.. Enumerable.Range(0, 5).Select(i => $"{input}.{i}")];
        StreamToCollection.Failures = new Failures(Failures.Spread(new Random(seed), records, 2));
        StreamToCollection.Output = new CollectSink<Reading>();
        using var checkpoints = new TempDirectory();

        JobHandle job = StreamToCollection.Start(JobOptions.Create(checkpoints.Path, parallelism: 2, unaligned: false, bufferSize: 16));
        await using (job)
        {
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        Assert.Equal(2, StreamToCollection.Failures.Injected);
        IReadOnlyList<Reading> committed = StreamToCollection.Output.Results;
        Assert.Equal(Enumerable.Range(0, records).Select(i => (long)i), committed.Select(r => r.Id).Order());
        foreach (IGrouping<long, Reading> subject in committed.GroupBy(r => r.Id % 5))
        {
            Assert.Equal(subject.Select(r => r.Id).Order(), subject.Select(r => r.Id)); // each split in stream order
        }
    }

    [Fact]
    public async Task A_server_restarted_while_the_job_runs_fails_the_job_over_and_loses_nothing()
    {
        const int records = 30_000;
        string input = nats.CreateStream(), outputStream = nats.CreateStream();
        nats.Publish(input, Enumerable.Range(0, records).Select(i => new Reading(i, i)), subjects: 4);
        StreamToStream.Url = nats.Url;
        StreamToStream.Input = input;
        StreamToStream.Output = outputStream;
        StreamToStream.Failures = new Failures([], slowEvery: 4); // about 8 s of input: the restart lands mid-run
        using var checkpoints = new TempDirectory();

        JobHandle job = StreamToStream.Start(JobOptions.Create(checkpoints.Path, parallelism: 2, unaligned: false, bufferSize: 32));
        await using (job)
        {
            while (job.Checkpoints.Count(c => c.Status == CheckpointStatus.Completed) < 3)
            {
                await Task.Delay(10);
            }
            nats.Server.Stop();
            await Task.Delay(500);
            nats.Server.Start();
            await job.Completion.WaitAsync(TimeSpan.FromMinutes(2));
        }

        output.WriteLine($"restarts {job.RestartCount}");
        List<Reading> published = nats.ReadAll(outputStream);
        Assert.Equal(Enumerable.Range(0, records).Select(i => (long)i), published.Select(r => r.Id).Order());
    }
}

/// <summary>The pipelines' settings are static: classes that run them do not run at the same time.</summary>
[CollectionDefinition(Name)]
public sealed class NatsPipelineCollection
{
    public const string Name = "NATS pipelines";
}
