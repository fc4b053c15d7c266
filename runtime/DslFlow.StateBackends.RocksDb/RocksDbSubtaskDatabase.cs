using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb;

/// <summary>
/// One subtask's embedded RocksDB in its own folder, <c>{LocalDirectory}/{job}/{task}-{subtask}-{pid}-{id}</c>, which
/// holds the database (<c>db/</c>), the native checkpoints being copied (<c>chk-{id}/</c>, hard links) and restores
/// being downloaded (<c>restore-*/</c>): one column family per keyed state, no write-ahead log (state is recovered from
/// checkpoints, as in Flink), memory from the process-wide <see cref="RocksDbMemory"/>. Closed, and its folder deleted,
/// once the backend and every snapshot still reading it let go (snapshots of a finished task are written after the
/// task ended). Opening first deletes the folders of processes that no longer run (a crash leaves its databases behind).
/// </summary>
internal sealed class RocksDbSubtaskDatabase
{
    private readonly Lock _gate = new();
    private readonly ColumnFamilyOptions _columnOptions;
    private readonly DbOptions _dbOptions;
    private int _users = 1;

    // The folders this process opened and has not closed: a folder named with this process's pid but not in this set
    // was left by an earlier process that had the same pid (a container's app is often pid 1 after every restart).
    private static readonly HashSet<string> Opened = new(StringComparer.Ordinal);

    private RocksDbSubtaskDatabase(RocksDbSharp.RocksDb db, string folder, DbOptions dbOptions, ColumnFamilyOptions columnOptions,
        string owner)
    {
        Db = db;
        Directory = Path.Combine(folder, "db");
        Folder = folder;
        _dbOptions = dbOptions;
        _columnOptions = columnOptions;
        Owner = owner;
        WriteOptions = new WriteOptions().DisableWal(1);
    }

    /// <summary>The open database (replaced once by a native restore, before the task processes anything).</summary>
    public RocksDbSharp.RocksDb Db { get; private set; }

    /// <summary>The subtask's folder.</summary>
    public string Folder { get; }

    /// <summary>The database's folder inside it (<c>db/</c>, or the restore folder a native restore opened).</summary>
    public string Directory { get; private set; }

    /// <summary>Options for the column families of keyed states.</summary>
    public ColumnFamilyOptions ColumnOptions => _columnOptions;

    /// <summary><c>{job}/{task}-{subtask}</c>, for messages.</summary>
    public string Owner { get; }

    /// <summary>Writes without the write-ahead log.</summary>
    public WriteOptions WriteOptions { get; }

    /// <summary>The folder below which every job's databases live.</summary>
    public static string Root(RocksDbOptions options) =>
        Path.GetFullPath(options.LocalDirectory ?? Path.Combine(Path.GetTempPath(), "dslflow-rocksdb"));

    /// <summary>Creates the folder and opens an empty database in it.</summary>
    public static RocksDbSubtaskDatabase Open(RocksDbOptions options, string owner, ILogger? logger)
    {
        RocksDbMemory memory = RocksDbMemory.For(options, logger);
        string jobFolder = Path.Combine(Root(options), SafeName(owner.Split('/')[0]));
        System.IO.Directory.CreateDirectory(jobFolder);
        DeleteLeftovers(jobFolder, logger);
        string folder = Path.Combine(jobFolder, $"{SafeName(owner[(owner.IndexOf('/') + 1)..])}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        lock (LeftoverGate)
        {
            Opened.Add(folder);
        }
        System.IO.Directory.CreateDirectory(folder);
        string directory = Path.Combine(folder, "db");
        // A bloom filter (10 bits per key, ~1 % false positives) lets making a new key current skip the files that cannot
        // hold it: without one, that get reads an index and a data block in every level.
        var table = new BlockBasedTableOptions()
            .SetFilterPolicy(BloomFilterPolicy.Create(10, false))
            .SetBlockCache(memory.Cache)
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true);
        var columns = new ColumnFamilyOptions()
            .SetBlockBasedTableFactory(table)
            .SetWriteBufferSize((ulong)Math.Min(64L << 20, memory.WriteBufferSize / 2));
        var db = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxOpenFiles(-1)
            .SetMaxManifestFileSize(1 << 20) // the MANIFEST travels inside every incremental checkpoint: keep it small
            .SetBlockBasedTableFactory(table);
        Native.Instance.rocksdb_options_set_write_buffer_manager(db.Handle, memory.WriteBufferManager);
        try
        {
            return new RocksDbSubtaskDatabase(RocksDbSharp.RocksDb.Open(db, directory, new ColumnFamilies(columns)), folder, db, columns, owner);
        }
        catch (RocksDbException ex)
        {
            Forget(folder);
            TryDelete(folder);
            throw new JobConfigurationException($"RocksDB could not open the state of {owner} in {directory}: {ex.Message}. "
                + "Check that StateBackend:RocksDb:LocalDirectory is a writable local folder with free space.", ex);
        }
    }

    /// <summary>
    /// Replaces the (still empty) database by the one in <paramref name="restored"/>, a folder of this subtask's folder
    /// holding a native checkpoint's files, opened with every column family it has; the states then
    /// <see cref="States.IRocksDbState.Rebind"/>.
    /// </summary>
    /// <exception cref="RocksDbException">RocksDB refused the files.</exception>
    public void ReplaceWith(string restored, IReadOnlyCollection<string> columnFamilies)
    {
        var families = new ColumnFamilies(_columnOptions);
        foreach (string name in columnFamilies.Where(n => n != ColumnFamilies.DefaultName))
        {
            families.Add(name, _columnOptions);
        }
        // Opened where it was downloaded before the empty one closes: a failure leaves the backend as it was.
        RocksDbSharp.RocksDb opened = RocksDbSharp.RocksDb.Open(_dbOptions, restored, families);
        string empty = Directory;
        Db.Dispose();
        Db = opened;
        Directory = restored;
        TryDelete(empty);
    }

    /// <summary>Opens a downloaded native checkpoint read-only (copying its keys into this database).</summary>
    public RocksDbSharp.RocksDb OpenReadOnly(string folder, IReadOnlyCollection<string> columnFamilies)
    {
        var families = new ColumnFamilies(_columnOptions);
        foreach (string name in columnFamilies.Where(n => n != ColumnFamilies.DefaultName))
        {
            families.Add(name, _columnOptions);
        }
        return RocksDbSharp.RocksDb.OpenReadOnly(_dbOptions, folder, families, errIfLogFileExists: false);
    }

    /// <summary>A new folder for a native checkpoint or a restore, inside the subtask's folder (hard links need the same disk).</summary>
    public string WorkFolder(string name) => Path.Combine(Folder, name);

    /// <summary>The column family of a state, created on first use.</summary>
    public ColumnFamilyHandle ColumnFamily(string stateName) =>
        Db.TryGetColumnFamily(stateName, out ColumnFamilyHandle handle) ? handle : Db.CreateColumnFamily(_columnOptions, stateName);

    /// <summary>One more reader (a snapshot being written); false once the database is closed.</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            if (_users == 0)
            {
                return false;
            }
            _users++;
            return true;
        }
    }

    /// <summary>A user let go; the last one closes the database and deletes its folder.</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (_users == 0 || --_users > 0)
            {
                return;
            }
        }
        Db.Dispose();
        TryDelete(Folder);
        Forget(Folder);
    }

    private static readonly Lock LeftoverGate = new();

    // Subtasks open their databases concurrently: one of them deletes a dead process's folder, the others skip it.
    private static void DeleteLeftovers(string jobFolder, ILogger? logger)
    {
        lock (LeftoverGate)
        {
            DeleteLeftoversLocked(jobFolder, logger);
        }
    }

    private static void DeleteLeftoversLocked(string jobFolder, ILogger? logger)
    {
        foreach (string folder in System.IO.Directory.EnumerateDirectories(jobFolder))
        {
            string[] parts = Path.GetFileName(folder).Split('-');
            if (parts.Length >= 3 && int.TryParse(parts[^2], out int pid)
                && (pid == Environment.ProcessId ? !Opened.Contains(folder) : !IsRunning(pid)))
            {
                logger?.LogInformation("Deleting the RocksDB folder {Folder} of process {Pid}, which no longer runs", folder, pid);
                TryDelete(folder);
            }
        }
    }

    private static void Forget(string folder)
    {
        lock (LeftoverGate)
        {
            Opened.Remove(folder);
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && !IsZombie(pid);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // A killed process nobody has reaped yet still has a process entry (Linux state Z), but it writes nothing any more.
    private static bool IsZombie(int pid)
    {
        try
        {
            string status = File.ReadAllText($"/proc/{pid}/stat");
            int end = status.LastIndexOf(')');
            return end > 0 && end + 2 < status.Length && status[end + 2] is 'Z' or 'X';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false; // not Linux, or the process is gone: HasExited decided
        }
    }

    /// <summary>Deletes a folder, leaving it to the next start when that fails.</summary>
    public static void TryDelete(string folder)
    {
        try
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
            // Deleted at the next start of a job of this name.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string SafeName(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' ? c : '_'));
}
