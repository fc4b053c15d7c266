using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// Reads a JetStream stream as Flink's Kafka source reads a topic: one split per subject, each read by its own ordered
/// consumer — an ephemeral consumer with one filter subject, no acknowledgements and no durable state on the server
/// (nats-server 2.9 has no consumers with several filters) — and each checkpointed at the stream sequence of its next
/// message, from which a restore reads again. Splits are spread over the subtasks (subject <c>j</c> goes to subtask
/// <c>j mod parallelism</c>) and keep their own event time. Exactly once with the job's checkpoints: the position is in
/// the checkpoint, not on the server.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class JetStreamSource<T> : ISplitSource<T>
{
    private readonly JetStreamConnection _connection;
    private IReadOnlyList<string>? _resolved;
    private readonly int _prefetch = 4096;

    /// <summary>A source over <paramref name="stream"/> on the server at <paramref name="url"/>.</summary>
    /// <param name="url">The server, e.g. <c>nats://127.0.0.1:4222</c>.</param>
    /// <param name="stream">The JetStream stream's name.</param>
    /// <param name="payload">How a message's payload becomes a record.</param>
    public JetStreamSource(string url, string stream, JetStreamPayload<T> payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentException.ThrowIfNullOrWhiteSpace(stream);
        Stream = stream;
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        _connection = new JetStreamConnection(url, $"JetStreamSource '{stream}'", TimeSpan.FromSeconds(5));
    }

    /// <summary>The stream read.</summary>
    public string Stream { get; }

    /// <summary>How payloads become records.</summary>
    public JetStreamPayload<T> Payload { get; }

    /// <summary>
    /// The subjects to read, one split each (<c>orders.0</c>, <c>orders.1</c>, …). When empty, the stream's own
    /// configured subjects, which must then be literal (no <c>*</c> or <c>&gt;</c>).
    /// </summary>
    public IReadOnlyList<string> Subjects { get; init; } = [];

    /// <summary>
    /// When true, each split ends at the last message its subject held when the job first started (kept in the
    /// checkpoint, so a restore ends at the same message), and the job ends when every split did; when false
    /// (default) the source reads on as messages arrive.
    /// </summary>
    public bool Bounded { get; init; }

    /// <summary>How many messages a split reads ahead of the subtask. Default 4096.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int Prefetch
    {
        get => _prefetch;
        init => _prefetch = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Prefetch), value, "JetStreamSource.Prefetch must be at least 1.");
    }

    /// <inheritdoc />
    public int SplitCount(NodeContext context) => ResolveSubjects(context).Count;

    /// <inheritdoc />
    public ISourceReader<T> CreateReader(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        IReadOnlyList<string> subjects = ResolveSubjects(context);
        if (context.Parallelism != subjects.Count)
        {
            throw new InvalidOperationException($"JetStreamSource '{Stream}' opens split {context.SubtaskIndex} of {context.Parallelism}, "
                + $"but the stream has {subjects.Count} subjects: the runtime opens one reader per subject (ISplitSource).");
        }
        string subject = subjects[context.SubtaskIndex];
        INatsJSContext js = _connection.Acquire(context.Logger, context.Cancellation);
        try
        {
            ulong end = Bounded ? LastSequence(js, subject) : ulong.MaxValue;
            return new JetStreamSplitReader<T>(this, js, new JetStreamPosition(subject, 1, end), context);
        }
        catch
        {
            _connection.Release();
            throw;
        }
    }

    /// <inheritdoc />
    public ISourceReader<T> RestoreReader(NodeContext context, ReadOnlySpan<byte> position)
    {
        ArgumentNullException.ThrowIfNull(context);
        JetStreamPosition restored = JetStreamPosition.Read(position);
        INatsJSContext js = _connection.Acquire(context.Logger, context.Cancellation);
        return new JetStreamSplitReader<T>(this, js, restored, context);
    }

    internal void ReleaseConnection() => _connection.Release();

    /// <summary>The configured subjects, else the stream's; checked once.</summary>
    private IReadOnlyList<string> ResolveSubjects(NodeContext context)
    {
        if (_resolved is { } resolved)
        {
            return resolved;
        }
        INatsJSContext js = _connection.Acquire(context.Logger, context.Cancellation);
        try
        {
            INatsJSStream stream = Run(() => js.GetStreamAsync(Stream).AsTask(), $"the stream '{Stream}'");
            ICollection<string> configured = stream.Info.Config.Subjects ?? [];
            IReadOnlyList<string> subjects = Subjects.Count > 0 ? Subjects : [.. configured];
            if (subjects.Count == 0)
            {
                throw new JobConfigurationException($"JetStreamSource '{Stream}': the stream has no subjects to read; set JetStreamSource.Subjects.");
            }
            if (subjects.FirstOrDefault(s => s.Contains('*', StringComparison.Ordinal) || s.Contains('>', StringComparison.Ordinal)) is { } wildcard)
            {
                throw new JobConfigurationException($"JetStreamSource '{Stream}': subject '{wildcard}' is a wildcard, but each split "
                    + "reads one literal subject. List the subjects in JetStreamSource.Subjects (orders.0, orders.1, ...).");
            }
            if (subjects.Distinct(StringComparer.Ordinal).Count() != subjects.Count)
            {
                throw new JobConfigurationException($"JetStreamSource '{Stream}': a subject is listed twice in JetStreamSource.Subjects; it would be read twice.");
            }
            return _resolved = subjects;
        }
        finally
        {
            _connection.Release();
        }
    }

    /// <summary>The stream sequence of the subject's last message, 0 when it has none.</summary>
    private ulong LastSequence(INatsJSContext js, string subject)
    {
        INatsJSStream stream = Run(() => js.GetStreamAsync(Stream).AsTask(), $"the stream '{Stream}'");
        try
        {
            return Blocking.Wait(() => stream.GetAsync(new StreamMsgGetRequest { LastBySubj = subject }).AsTask()).Message.Seq;
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return 0; // no message on the subject yet: the bounded split is empty
        }
    }

    private TResult Run<TResult>(Func<Task<TResult>> call, string what)
    {
        try
        {
            return Blocking.Wait(call);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            throw new JobConfigurationException($"JetStreamSource '{Stream}': {what} does not exist on {_connection.Url} ({ex.Error.Description}). "
                + $"Create it (nats stream add {Stream} --subjects ...) or fix the stream's name.", ex);
        }
    }

    /// <summary>Logs through the reader's logger.</summary>
    internal static void LogReset(ILogger logger, string subject, ulong next, Exception ex) =>
        logger.LogWarning(ex, "JetStreamSource: reading subject {Subject} failed; a new consumer resumes at stream sequence {Next}", subject, next);
}
