using System.Text.Json.Serialization;
using DslFlow.Connectors.Nats;
using DslFlow.Connectors.Servers;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace DslFlow.Connectors.Tests.Nats;

/// <summary>One nats-server with JetStream per test class; each test makes streams of its own. A server that cannot start fails the tests with why.</summary>
public sealed class NatsFixture : IDisposable
{
    private int _streams;

    internal NatsServer Server { get; } = new();

    public string Url => Server.Url;

    /// <summary>A fresh stream's name (with subjects <c>{name}.*</c>).</summary>
    public string CreateStream(TimeSpan? duplicateWindow = null)
    {
        string name = $"S{Interlocked.Increment(ref _streams)}";
        Run(js => js.CreateStreamAsync(new StreamConfig(name, [$"{name}.*"]) { DuplicateWindow = duplicateWindow ?? TimeSpan.FromMinutes(2) }).AsTask());
        return name;
    }

    /// <summary>Publishes readings round-robin over <paramref name="subjects"/> subjects <c>{stream}.{i}</c>.</summary>
    public void Publish(string stream, IEnumerable<Reading> readings, int subjects) =>
        PublishRaw(readings.Select(r => ($"{stream}.{r.Id % subjects}", ReadingPayload.Json.Serialize(r))));

    public void PublishRaw(string subject, byte[] payload) => PublishRaw([(subject, payload)]);

    /// <summary>Publishes payloads as they are, up to a thousand awaiting their acknowledgement at once.</summary>
    public void PublishRaw(IEnumerable<(string Subject, byte[] Payload)> messages) => Run(async js =>
    {
        var acks = new List<Task<PubAckResponse>>();
        foreach ((string subject, byte[] payload) in messages)
        {
            acks.Add(js.PublishAsync(subject, payload).AsTask());
            if (acks.Count == 1000)
            {
                Array.ForEach(await Task.WhenAll(acks), ack => ack.EnsureSuccess());
                acks.Clear();
            }
        }
        Array.ForEach(await Task.WhenAll(acks), ack => ack.EnsureSuccess());
    });

    /// <summary>Every message the stream holds, decoded, in stream order.</summary>
    public List<Reading> ReadAll(string stream) => Run(async js =>
    {
        INatsJSStream info = await js.GetStreamAsync(stream);
        ulong count = (ulong)info.Info.State.Messages;
        var readings = new List<Reading>();
        if (count == 0)
        {
            return readings;
        }
        INatsJSConsumer consumer = await js.CreateOrderedConsumerAsync(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await foreach (NatsJSMsg<byte[]> message in consumer.ConsumeAsync<byte[]>(cancellationToken: timeout.Token))
        {
            readings.Add(ReadingPayload.Json.Deserialize(message.Data));
            if ((ulong)readings.Count == count)
            {
                break;
            }
        }
        return readings;
    });

    private TResult Run<TResult>(Func<INatsJSContext, Task<TResult>> action)
    {
        var connection = new NatsConnection(new NatsOpts { Url = Url });
        try
        {
            connection.ConnectAsync().AsTask().GetAwaiter().GetResult();
            return action(connection.CreateJetStreamContext()).GetAwaiter().GetResult();
        }
        finally
        {
            connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private void Run(Func<INatsJSContext, Task> action) => Run(async js =>
    {
        await action(js);
        return 0;
    });

    public void Dispose() => Server.Dispose();
}

/// <summary>A message of the tests: a unique id and a value.</summary>
public sealed record Reading(long Id, long Value);

[JsonSerializable(typeof(Reading))]
internal sealed partial class ReadingJson : JsonSerializerContext;

public static class ReadingPayload
{
    public static JetStreamPayload<Reading> Json { get; } = JetStreamPayload<Reading>.Json(ReadingJson.Default.Reading);
}
