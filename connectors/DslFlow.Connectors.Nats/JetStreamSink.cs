using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// Publishes records to a JetStream stream exactly once, as a write-ahead sink: the records of a checkpoint interval
/// are kept with the checkpoint (in the sink's state) and published only after that checkpoint completed, each with
/// message id <c>{job}/{subtask}/{checkpoint}/{index}</c>. A crash between the completion and the publication restores
/// the records from the checkpoint and publishes the same ids again; the stream's duplicate window drops those that
/// went out before the crash. Nothing is ever published before its checkpoint completed.
/// </summary>
/// <remarks>
/// The guarantee holds while a recovery publishes again within the stream's <c>duplicate_window</c> of the first
/// publication: a job down for longer could publish a message twice. The sink refuses to start on a stream whose window
/// is shorter than <see cref="DuplicateWindow"/>. Records reach the stream one checkpoint interval late, and each
/// interval's records are held in memory and in the checkpoint until then.
/// </remarks>
/// <typeparam name="T">The record type.</typeparam>
public sealed partial class JetStreamSink<T> : ICheckpointedSink<T>, ITransactionalSink
{
    private readonly JetStreamConnection _connection;
    private readonly int _maxInFlight = 1024;
    private bool _checked;

    /// <summary>A sink publishing to <paramref name="subject"/> of <paramref name="stream"/> on the server at <paramref name="url"/>.</summary>
    /// <param name="url">The server, e.g. <c>nats://127.0.0.1:4222</c>.</param>
    /// <param name="stream">The stream that stores the subject (its duplicate window is checked at start).</param>
    /// <param name="subject">The subject every record is published to (see <see cref="SubjectOf"/> for one per record).</param>
    /// <param name="payload">How a record becomes a payload.</param>
    public JetStreamSink(string url, string stream, string subject, JetStreamPayload<T> payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        ArgumentException.ThrowIfNullOrWhiteSpace(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        Stream = stream;
        Subject = subject;
        Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        _connection = new JetStreamConnection(url, $"JetStreamSink '{stream}'", TimeSpan.FromSeconds(5));
    }

    /// <summary>The stream written.</summary>
    public string Stream { get; }

    /// <summary>The subject of every record, unless <see cref="SubjectOf"/> chooses one per record.</summary>
    public string Subject { get; }

    /// <summary>How records become payloads.</summary>
    public JetStreamPayload<T> Payload { get; }

    /// <summary>The subject of each record (e.g. by key: <c>r => $"orders.{r.Region}"</c>); null publishes all to <see cref="Subject"/>.</summary>
    public Func<T, string>? SubjectOf { get; init; }

    /// <summary>
    /// The shortest duplicate window the stream may have (default 2 minutes, JetStream's default): the longest a
    /// recovery may take and still publish nothing twice. The sink refuses to start on a stream with a shorter one;
    /// raise the stream's (<c>nats stream edit --dupe-window</c>) for jobs that may be down longer.
    /// </summary>
    public TimeSpan DuplicateWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many publications may await their acknowledgement at once. Default 1024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxInFlight
    {
        get => _maxInFlight;
        init => _maxInFlight = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInFlight), value, "JetStreamSink.MaxInFlight must be at least 1.");
    }

    /// <inheritdoc />
    public ISinkWriter<T> CreateWriter(NodeContext context) => Open(context, []);

    /// <inheritdoc />
    public ISinkWriter<T> RestoreWriter(NodeContext context, IReadOnlyList<byte[]> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        return Open(context, [.. states.SelectMany(JetStreamTransaction.ReadAll)]);
    }

    /// <summary>
    /// Checks the server and the stream before the tasks start. The records to publish again are in the restored
    /// writers' states, not here: the writers publish them when they open.
    /// </summary>
    public void RecoverTransactions(SinkRecoveryContext recovery)
    {
        ArgumentNullException.ThrowIfNull(recovery);
        if (_checked)
        {
            return;
        }
        INatsJSContext js = _connection.Acquire(recovery.Logger, CancellationToken.None);
        try
        {
            INatsJSStream stream;
            try
            {
                stream = Blocking.Wait(() => js.GetStreamAsync(Stream).AsTask());
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                throw new JobConfigurationException($"JetStreamSink '{recovery.NodeName}': stream '{Stream}' does not exist on "
                    + $"{_connection.Url}. Create it (nats stream add {Stream} --subjects ...) or fix the stream's name.", ex);
            }
            TimeSpan window = stream.Info.Config.DuplicateWindow;
            if (recovery.JobId != Guid.Empty && window < DuplicateWindow)
            {
                throw new JobConfigurationException($"JetStreamSink '{recovery.NodeName}': stream '{Stream}' drops duplicate message "
                    + $"ids for {window.TotalSeconds:0.###} s, shorter than JetStreamSink.DuplicateWindow ({DuplicateWindow.TotalSeconds:0.###} s): "
                    + "a recovery after that could publish records twice. Raise the stream's duplicate window "
                    + $"(nats stream edit {Stream} --dupe-window {DuplicateWindow.TotalSeconds:0}s) or lower DuplicateWindow, accepting the risk.");
            }
            _checked = true;
        }
        finally
        {
            _connection.Release();
        }
    }

    private Writer Open(NodeContext context, List<JetStreamTransaction> restored)
    {
        ArgumentNullException.ThrowIfNull(context);
        INatsJSContext js = _connection.Acquire(context.Logger, context.Cancellation);
        var writer = new Writer(this, js, context);
        try
        {
            if (restored.Count > 0)
            {
                // Covered by the restored checkpoint, which completed: publish them (again) now.
                int duplicates = writer.Publish(restored);
                context.Logger.LogInformation("JetStreamSink {Sink} (subtask {Subtask}): published again {Messages} messages of "
                    + "{Transactions} restored transactions; the stream dropped {Duplicates} as duplicates", context.NodeName,
                    context.SubtaskIndex, restored.Sum(t => t.Messages.Count), restored.Count, duplicates);
            }
            return writer;
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }
}
