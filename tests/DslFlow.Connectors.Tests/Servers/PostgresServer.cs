using Npgsql;

namespace DslFlow.Connectors.Servers;

/// <summary>
/// A PostgreSQL server of its own: a cluster initialized in a temporary directory, listening on 127.0.0.1 on a free
/// port, with <c>max_prepared_transactions</c> set. PostgreSQL refuses to run as root, so as root it runs as the
/// <c>postgres</c> user (the directory is handed to it). Binaries come from <c>/usr/lib/postgresql/*/bin</c>.
/// </summary>
internal sealed class PostgresServer : IDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly int _maxPrepared;
    private ServerProcess? _process;
    private int _databases;

    public PostgresServer(int maxPreparedTransactions = 64)
    {
        _maxPrepared = maxPreparedTransactions;
        _bin = FindBinaries();
        _root = Directory.CreateTempSubdirectory("dslflow-pg-").FullName;
        _data = Path.Combine(_root, "data");
        Port = ServerProcess.FreePort();
        try
        {
            if (RunsAsRoot)
            {
                ServerProcess.Run("chown", "postgres:postgres", _root);
            }
            RunAsServerUser(Path.Combine(_bin, "initdb"), "-D", _data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync");
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary>The connection string of the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=5;Include Error Detail=true";

    /// <summary>A new empty database (one per test), with its connection string.</summary>
    public string CreateDatabase()
    {
        string name = $"test_{Interlocked.Increment(ref _databases)}";
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        command.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>Starts the server (again) on the same directory and port.</summary>
    public void Start()
    {
        string postgres = Path.Combine(_bin, "postgres");
        string[] arguments = ["-D", _data, "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", _root,
            "-c", "listen_addresses=127.0.0.1", "-c", $"max_prepared_transactions={_maxPrepared}", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "max_connections=200"];
        _process = RunsAsRoot
            ? ServerProcess.Start("runuser", ["-u", "postgres", "--", postgres, .. arguments], Port, "PostgreSQL", TimeSpan.FromSeconds(60))
            : ServerProcess.Start(postgres, arguments, Port, "PostgreSQL", TimeSpan.FromSeconds(60));
        WaitUntilAccepting();
    }

    /// <summary>Stops the server at once (an immediate shutdown: what a crash does to its clients).</summary>
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            try
            {
                // Immediate shutdown: every backend goes at once, and the next start recovers from the log, as after a crash.
                RunAsServerUser(Path.Combine(_bin, "pg_ctl"), "stop", "-D", _data, "-m", "immediate", "-w");
            }
            catch (InvalidOperationException)
            {
                // already gone: the process is killed below
            }
        }
        _process?.Dispose();
        _process = null;
        NpgsqlConnection.ClearAllPools();
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static bool RunsAsRoot => Environment.UserName == "root";

    private static void RunAsServerUser(string file, params string[] arguments)
    {
        if (RunsAsRoot)
        {
            ServerProcess.Run("runuser", ["-u", "postgres", "--", file, .. arguments]);
        }
        else
        {
            ServerProcess.Run(file, arguments);
        }
    }

    private void WaitUntilAccepting()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var connection = new NpgsqlConnection(AdminConnectionString);
                connection.Open();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(100); // "the database system is starting up"
            }
        }
    }

    private static string FindBinaries()
    {
        string[] found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().ToArray()
            : [];
        return found.FirstOrDefault() ?? throw new InvalidOperationException(
            "PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/initdb. Install it with apt-get install postgresql "
            + "(bash .ci/run does), then run the tests again.");
    }
}
