using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.Snapshots;

/// <summary>
/// An incremental checkpoint of one subtask (Flink's <c>RocksIncrementalSnapshotStrategy</c>). The synchronous part is
/// a native RocksDB checkpoint into <c>chk-{id}/</c> of the subtask's folder: the memtables flushed, every live SST
/// hard-linked, the MANIFEST, CURRENT and OPTIONS copied — independent of the state's size but for the flush. The
/// asynchronous part copies into checkpoint storage, as shared files, only the SSTs that the newest completed
/// checkpoint does not list (SSTs are immutable, so a name identifies a content), reuses the others' handles, and puts
/// the small files inline in the part. Which files are reusable is fixed at the barrier (Flink's rule: the newest
/// checkpoint known to be complete then), and each is claimed from the storage before it is listed
/// (<see cref="ICheckpointStorageWorkerView.TryReuseSharedState"/>): a completion the task has not heard of yet may
/// have retired that checkpoint, and then the file is copied again. A final snapshot, written again into every later
/// checkpoint after its task ended (and hears of no more completions), reuses the files of its previous write the same
/// way. A failure of either part — a full disk, an I/O error — surfaces from the
/// asynchronous part as an <see cref="IOException"/>, which declines this checkpoint only.
/// </summary>
internal sealed class RocksDbIncrementalSnapshot : IKeyedSnapshotPart
{
    private const int CopyBufferBytes = 1 << 20;
    private readonly RocksDbSubtaskDatabase _database;
    private readonly IncrementalHistory _history;
    private readonly KeyGroupRange _owned;
    private readonly IReadOnlyList<(string Name, string Descriptor)> _states;
    private readonly string _filePrefix;
    private readonly string _folder;
    private readonly Exception? _syncFailure;
    private IReadOnlyDictionary<string, StateHandle> _reusable;
    private int _disposed;

    private RocksDbIncrementalSnapshot(RocksDbSubtaskDatabase database, IncrementalHistory history, KeyGroupRange owned,
        IReadOnlyList<(string, string)> states, string sectionName, string filePrefix, long checkpointId)
    {
        _database = database;
        _history = history;
        _owned = owned;
        _states = states;
        SectionName = sectionName;
        _filePrefix = filePrefix;
        _folder = database.WorkFolder($"chk-{checkpointId}");
        _reusable = history.Confirmed;
        try
        {
            RocksDbSubtaskDatabase.TryDelete(_folder); // an earlier attempt at this id
            using Checkpoint checkpoint = database.Db.Checkpoint();
            checkpoint.Save(_folder, 0); // 0: always flush, so the SSTs hold every write (there is no write-ahead log)
        }
        catch (Exception ex) when (ex is RocksDbException or IOException or UnauthorizedAccessException)
        {
            _syncFailure = ex;
        }
    }

    public string SectionName { get; }

    public StateScope Scope => StateScope.RocksDb;

    /// <summary>The synchronous part: a native checkpoint of every state; the database stays open until disposed.</summary>
    public static RocksDbIncrementalSnapshot Take(RocksDbSubtaskDatabase database, IncrementalHistory history, KeyGroupRange owned,
        IReadOnlyList<(string, string)> states, string sectionName, string filePrefix, long checkpointId)
    {
        if (!database.TryAcquire())
        {
            throw new ObjectDisposedException(database.Owner, "The RocksDB state backend is closed.");
        }
        try
        {
            return new RocksDbIncrementalSnapshot(database, history, owned, states, sectionName, filePrefix, checkpointId);
        }
        catch
        {
            database.Release();
            throw;
        }
    }

    /// <inheritdoc/>
    public async Task<(byte[] Bytes, IReadOnlyList<StateHandle> Shared)> WriteAsync(ICheckpointStorageWorkerView storage, long checkpointId,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_syncFailure is not null)
        {
            throw new IOException($"RocksDB could not take the native checkpoint of {_database.Owner} in {_folder} "
                + $"({_syncFailure.Message}); check the free space of StateBackend:RocksDb:LocalDirectory", _syncFailure);
        }
        IReadOnlyDictionary<string, StateHandle> reusable = _reusable;
        var ssts = new List<(string, StateHandle)>();
        var privates = new List<(string, byte[])>();
        foreach (string path in Directory.EnumerateFiles(_folder).Order(StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string file = Path.GetFileName(path);
            if (!file.EndsWith(".sst", StringComparison.Ordinal))
            {
                privates.Add((file, await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)));
                continue;
            }
            if (!reusable.TryGetValue(file, out StateHandle? handle) || !storage.TryReuseSharedState(checkpointId, handle))
            {
                handle = await CopyAsync(storage, checkpointId, path, file, cancellationToken).ConfigureAwait(false);
            }
            ssts.Add((file, handle));
        }
        var part = new NativePart(_owned, _states, ssts, privates);
        _reusable = part.SstMap(); // a final snapshot's next write (claims them again)
        _history.Written(checkpointId, _reusable);
        return (NativePartCodec.Encode(part), [.. ssts.Select(s => s.Item2)]);
    }

    private async Task<StateHandle> CopyAsync(ICheckpointStorageWorkerView storage, long checkpointId, string path, string file,
        CancellationToken cancellationToken)
    {
        await using FileStream source = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferBytes, useAsync: true);
        await using CheckpointStateOutputStream target = storage.OpenSharedStateWriter(checkpointId, _filePrefix + file);
        await source.CopyToAsync(target, CopyBufferBytes, cancellationToken).ConfigureAwait(false);
        return await target.CloseAndGetHandleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the native checkpoint's folder (its hard links) and lets the database close.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        RocksDbSubtaskDatabase.TryDelete(_folder);
        _database.Release();
    }
}
