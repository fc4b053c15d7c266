using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;

namespace DslFlow.Connectors.Nats;

/// <summary>
/// A connection shared by a node's readers or writers (NATS multiplexes one connection), opened on first use with a
/// bounded wait and released by the last user. A server never reached fails with <see cref="JobConfigurationException"/>
/// naming the URL; one that was reached before and went away is a failure a restart may cure.
/// </summary>
internal sealed class JetStreamConnection(string url, string what, TimeSpan connectTimeout)
{
    private readonly Lock _lock = new();
    private NatsConnection? _connection;
    private int _users;
    private bool _reached;

    public string Url { get; } = url;

    /// <summary>Takes a share of the connection (connecting when it is the first); give it back with <see cref="Release"/>.</summary>
    public INatsJSContext Acquire(ILogger logger, CancellationToken cancellation)
    {
        lock (_lock)
        {
            if (_connection is null)
            {
                var connection = new NatsConnection(NatsOpts.Default with
                {
                    Url = Url,
                    Name = "DslFlow " + what,
                    ConnectTimeout = connectTimeout,
                    RetryOnInitialConnect = false,
                    LoggerFactory = new SingleLoggerFactory(logger),
                });
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                    timeout.CancelAfter(connectTimeout * 2);
                    Blocking.Wait(() => connection.ConnectAsync().AsTask().WaitAsync(timeout.Token));
                }
                catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
                {
                    _ = connection.DisposeAsync().AsTask();
                    string message = $"{what}: cannot reach NATS at {Url}: {ex.Message}. Check that nats-server runs there "
                        + "with JetStream enabled (nats-server -js), or fix the URL.";
                    throw _reached ? new NatsException(message, ex) : new JobConfigurationException(message, ex);
                }
                _connection = connection;
                _reached = true;
            }
            _users++;
            return _connection.CreateJetStreamContext();
        }
    }

    /// <summary>Gives a share back; the last one closes the connection.</summary>
    public void Release()
    {
        NatsConnection? closing = null;
        lock (_lock)
        {
            if (--_users == 0)
            {
                closing = _connection;
                _connection = null;
            }
        }
        if (closing is not null)
        {
            Blocking.Wait(() => closing.DisposeAsync().AsTask());
        }
    }

    /// <summary>Routes the client's own log lines to the node's logger.</summary>
    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider)
        {
        }

        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }
}
