using System.Diagnostics;
using DslFlow.Connectors.Servers;
using DslFlow.Connectors.Tests.Support;

namespace DslFlow.Connectors.Tests.Nats;

/// <summary>Bad configuration and bad input fail quickly, saying what is wrong and how to fix it.</summary>
[Collection(NatsPipelineCollection.Name)]
public sealed class JetStreamConfigurationTests(NatsFixture nats) : IClassFixture<NatsFixture>, IDisposable
{
    private readonly TempDirectory _checkpoints = new();

    [Fact]
    public void An_unreachable_server_fails_the_start_naming_the_url()
    {
        int port = ServerProcess.FreePort();
        StreamToStream.Url = $"nats://127.0.0.1:{port}";
        StreamToStream.Input = "in";
        StreamToStream.Output = "out";
        var clock = Stopwatch.StartNew();
        JobConfigurationException error = StartFails(() => StreamToStream.Start(Options()));
        Assert.Contains($"cannot reach NATS at nats://127.0.0.1:{port}", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public void A_missing_stream_is_named()
    {
        StreamToStream.Url = nats.Url;
        StreamToStream.Input = nats.CreateStream();
        StreamToStream.Output = "NOSUCH";
        Assert.Contains("stream 'NOSUCH' does not exist", StartFails(() => StreamToStream.Start(Options())).Message);
    }

    [Fact]
    public void A_duplicate_window_shorter_than_the_sinks_setting_is_refused_with_the_fix()
    {
        StreamToStream.Url = nats.Url;
        StreamToStream.Input = nats.CreateStream();
        StreamToStream.Output = nats.CreateStream(duplicateWindow: TimeSpan.FromSeconds(10));
        JobConfigurationException error = StartFails(() => StreamToStream.Start(Options()));
        Assert.Contains("drops duplicate message ids for 10 s, shorter than JetStreamSink.DuplicateWindow (120 s)", error.Message);
        Assert.Contains("--dupe-window 120s", error.Message);
    }

    [Fact]
    public async Task A_wildcard_subject_is_refused()
    {
        StreamToCollection.Url = nats.Url;
        StreamToCollection.Input = nats.CreateStream();
        StreamToCollection.Subjects = [$"{StreamToCollection.Input}.*"];
        StreamToCollection.Output = new CollectSink<Reading>();
        JobHandle job = StreamToCollection.Start(Options());
        var error = await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains("is a wildcard, but each split reads one literal subject", error.ToString());
    }

    [Fact]
    public async Task A_message_that_is_not_a_record_fails_the_job_naming_its_subject_and_sequence()
    {
        string input = nats.CreateStream();
        nats.PublishRaw($"{input}.0", "not json"u8.ToArray());
        StreamToCollection.Url = nats.Url;
        StreamToCollection.Input = input;
        StreamToCollection.Subjects = [$"{input}.0"];
        StreamToCollection.Failures = new Failures([]);
        StreamToCollection.Output = new CollectSink<Reading>();
        PipelineOptions options = Options();
        options.RestartStrategy = RestartStrategy.None;
        JobHandle job = StreamToCollection.Start(options);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Contains($"the message at stream sequence 1 on subject '{input}.0' cannot be read as a Reading", error.ToString());
    }

    private PipelineOptions Options() => JobOptions.Create(_checkpoints.Path, parallelism: 1, unaligned: false);

    public void Dispose() => _checkpoints.Dispose();

    private static JobConfigurationException StartFails(Func<JobHandle> start) => Assert.Throws<JobConfigurationException>(() => start());
}
