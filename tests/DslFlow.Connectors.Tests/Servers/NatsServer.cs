namespace DslFlow.Connectors.Servers;

/// <summary>A nats-server with JetStream of its own: on 127.0.0.1, on a free port, its store in a temporary directory.</summary>
internal sealed class NatsServer : IDisposable
{
    private readonly string _store = Directory.CreateTempSubdirectory("dslflow-nats-").FullName;
    private ServerProcess? _process;

    public NatsServer()
    {
        Port = ServerProcess.FreePort();
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>Starts the server (again) on the same store and port.</summary>
    public void Start() => _process = ServerProcess.Start(FindServer(), ["-js", "-a", "127.0.0.1", "-p",
        Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", _store], Port, "nats-server", TimeSpan.FromSeconds(30));

    /// <summary>Stops the server at once.</summary>
    public void Stop()
    {
        _process?.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindServer() =>
        new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("nats-server is not installed. Install it with apt-get install nats-server "
            + "(bash .ci/run does), then run the tests again.");
}
