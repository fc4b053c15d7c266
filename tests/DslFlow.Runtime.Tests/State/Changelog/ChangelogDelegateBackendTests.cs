using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.State.Backends;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.Time.Timers;
using Microsoft.Extensions.Logging.Abstractions;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// The whole keyed-state suite against the changelog over the heap backend (Flink's <c>ChangelogDelegateHashMapTest</c>),
/// every snapshot taken from the log alone.
/// </summary>
public sealed class ChangelogDelegateBackendTests : ChangelogDelegateBackendTestBase
{
    private protected override bool MaterializeBeforeEachSnapshot => false;
}

/// <summary>The suite against the changelog over the heap backend, every snapshot a materialization plus the log since it.</summary>
public sealed class ChangelogDelegateMaterializingBackendTests : ChangelogDelegateBackendTestBase
{
    private protected override bool MaterializeBeforeEachSnapshot => true;
}

/// <summary>
/// The whole keyed-state suite against the changelog over the RocksDB backend (Flink's <c>ChangelogDelegateEmbeddedRocksDBStateBackendTest</c>):
/// every snapshot from the log alone, replayed into a fresh RocksDB backend, which must write each replayed change through.
/// </summary>
public sealed class ChangelogDelegateRocksDbBackendTests : ChangelogDelegateBackendTestBase
{
    private protected override bool MaterializeBeforeEachSnapshot => false;

    private protected override StateBackendKind Inner => StateBackendKind.RocksDb;
}

/// <summary>The suite against the changelog over RocksDB, every snapshot a materialization (a RocksDB snapshot) plus the log.</summary>
public sealed class ChangelogDelegateMaterializingRocksDbBackendTests : ChangelogDelegateBackendTestBase
{
    private protected override bool MaterializeBeforeEachSnapshot => true;

    private protected override StateBackendKind Inner => StateBackendKind.RocksDb;
}

/// <summary>
/// Runs <see cref="KeyedStateBackendTestBase"/> against <see cref="ChangelogKeyedStateBackend"/> through
/// <see cref="ChangelogSuiteBackend"/>, with a real local storage and uploader per test.
/// </summary>
public abstract class ChangelogDelegateBackendTestBase : KeyedStateBackendTestBase, IDisposable
{
    private readonly TempCheckpointDirectory _rocksDb = new();
    private readonly TempCheckpointDirectory _directory = new();
    private readonly LocalCheckpointStorage _storage;
    private readonly ChangelogUploader _uploader;
    private readonly List<ChangelogSuiteBackend> _backends = [];

    private protected ChangelogDelegateBackendTestBase()
    {
        _storage = new LocalCheckpointStorage(_directory.Path);
        _uploader = new ChangelogUploader(_storage, new ChangelogUploadSettings(TimeSpan.Zero, 10 << 20, 100 << 20),
            TimeProvider.System, NullLogger.Instance);
    }

    /// <summary>Whether each snapshot first materializes (both parts) or is the log alone.</summary>
    private protected abstract bool MaterializeBeforeEachSnapshot { get; }

    /// <summary>The wrapped backend.</summary>
    private protected virtual StateBackendKind Inner => StateBackendKind.Heap;

    private protected override IKeyedStateBackend CreateBackend(KeyGroupRange range, int maxParallelism)
    {
        var inner = new StateBackendOptions { Kind = Inner, RocksDb = { LocalDirectory = _rocksDb.Path } };
        var backend = new ChangelogSuiteBackend(range, maxParallelism, _storage, _uploader, MaterializeBeforeEachSnapshot,
            $"Node-{_backends.Count}", inner);
        _backends.Add(backend);
        return backend;
    }

    public void Dispose()
    {
        _backends.ForEach(b => b.Dispose());
        _uploader.Dispose();
        _directory.Dispose();
        _rocksDb.Dispose();
    }
}

/// <summary>
/// The changelog backend behind the plain backend seam, so the keyed-state suite runs against it. A snapshot is a
/// changelog checkpoint (the last materialization and the log since it, made durable), restored the way a task
/// restores one — the materialization read, the log replayed — into a fresh backend of the wrapped kind whose snapshot
/// the suite then reads; so every write the suite makes must have reached the log. A restore takes the path of a checkpoint
/// written without the changelog (<see cref="ChangelogKeyedStateBackend.RestoreFromSnapshot"/>, which materializes).
/// </summary>
internal sealed class ChangelogSuiteBackend : IKeyedStateBackend
{
    private readonly ChangelogKeyedStateBackend _changelog;
    private readonly LocalCheckpointStorage _storage;
    private readonly bool _materialize;
    private readonly string _owner;
    private readonly int _maxParallelism;
    private readonly List<Func<IKeyedStateBackend, int, IChangelogState>> _declared = [];
    private readonly HashSet<string> _names = [];
    private readonly List<IKeyedStateBackend> _replayed = [];
    private readonly StateBackendOptions _inner;

    public ChangelogSuiteBackend(KeyGroupRange range, int maxParallelism, LocalCheckpointStorage storage, ChangelogUploader uploader,
        bool materialize, string owner, StateBackendOptions? inner = null)
    {
        _storage = storage;
        _materialize = materialize;
        _owner = owner;
        _maxParallelism = maxParallelism;
        _inner = inner ?? new StateBackendOptions();
        var log = new StateChangelogWriter(owner, uploader, 5 << 20, NullLogger.Instance, CancellationToken.None);
        _changelog = new ChangelogKeyedStateBackend(KeyedStateBackends.Create(_inner, range, maxParallelism, $"suite/{owner}"), log,
            storage, owner, 0, 1, maxParallelism, 3, NullLogger.Instance);
    }

    public KeyGroupRange KeyGroups => _changelog.KeyGroups;

    public IReadOnlyList<(string Name, string Descriptor)> States => _changelog.States;

    public KeyedState<TKey, TValue> GetOrCreateState<TKey, TValue>(KeyedStateDescriptor<TKey, TValue> descriptor)
        where TKey : notnull
    {
        KeyedState<TKey, TValue> state = _changelog.GetOrCreateState(descriptor);
        if (_names.Add(descriptor.Name))
        {
            _declared.Add((target, id) => StateChangeRecords.Wrap(target.GetOrCreateState(descriptor), descriptor, id, log: null));
        }
        return state;
    }

    public IKeyedTimerQueue<TKey> GetOrCreateTimerQueue<TKey>(TimerQueueDescriptor<TKey> descriptor)
        where TKey : notnull
    {
        IKeyedTimerQueue<TKey> queue = _changelog.GetOrCreateTimerQueue(descriptor);
        if (_names.Add(descriptor.Name))
        {
            _declared.Add((target, id) => new ChangelogTimerQueue<TKey>(target.GetOrCreateTimerQueue(descriptor), descriptor, id, null, _maxParallelism));
        }
        return queue;
    }

    public IReadOnlyList<IKeyedStateSnapshot> Snapshot(long checkpointId)
    {
        if (_materialize && _changelog.TryMaterialize() == MaterializationStart.Started)
        {
            _changelog.WaitForMaterializationAsync().GetAwaiter().GetResult();
        }
        ChangelogCheckpoint checkpoint = _changelog.SnapshotChangelog(checkpointId);
        IReadOnlyList<ChangelogSegment> log = checkpoint.Log.GetAwaiter().GetResult();
        IKeyedStateBackend replayed = KeyedStateBackends.Create(_inner, KeyGroups, _maxParallelism, $"suite/{_owner}-replayed-{_replayed.Count}");
        _replayed.Add(replayed);
        List<IChangelogState> states = [.. _declared.Select((declare, id) => declare(replayed, id))];
        using var reader = new ChangelogLogReader(_storage);
        ChangelogKeyedStateBackend.RestoreParts(replayed, states, checkpointId, [new ChangelogRestorePart(checkpoint.Base.Files,
            checkpoint.Base.MaterializationId, [.. checkpoint.Base.RestoredLogs, log])], reader, _storage, _owner);
        _changelog.NotifyCheckpointComplete(checkpointId); // confirms the materialization, so the next snapshot may take another
        return replayed.Snapshot(checkpointId);
    }

    public void Restore(IKeyedStateSource source) => _changelog.RestoreFromSnapshot(source);

    public void NotifyCheckpointComplete(long checkpointId) => _changelog.NotifyCheckpointComplete(checkpointId);

    public void NotifyCheckpointAborted(long checkpointId) => _changelog.NotifyCheckpointAborted(checkpointId);

    public void Dispose()
    {
        if (_disposed)
        {
            return; // the suite disposes what it created, the fixture everything
        }
        _disposed = true;
        _replayed.ForEach(b => b.Dispose());
        _changelog.Dispose();
    }

    private bool _disposed;
}
