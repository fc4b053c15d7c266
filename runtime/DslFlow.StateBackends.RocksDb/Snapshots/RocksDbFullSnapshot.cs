using DslFlow.Serialization;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.StateBackends.RocksDb.States;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.Snapshots;

/// <summary>
/// A full snapshot (Flink's <c>FullSnapshotStrategy</c>): the synchronous part takes one RocksDB snapshot — a sequence
/// number, O(1) — and each state's asynchronous part reads its column family as of it, key group by key group, into
/// the one snapshot format of every backend (<c>count × (int32 hash, key, value)</c> per key group), so such a
/// checkpoint restores into any backend. The database stays open until the last state's snapshot is disposed.
/// </summary>
internal sealed class RocksDbFullSnapshot
{
    private readonly RocksDbSubtaskDatabase _database;
    private readonly Snapshot _snapshot;
    private int _open;

    private RocksDbFullSnapshot(RocksDbSubtaskDatabase database, int states)
    {
        _database = database;
        _snapshot = database.Db.CreateSnapshot();
        _open = states;
    }

    /// <summary>The synchronous part: one frozen view for every state.</summary>
    public static IReadOnlyList<IKeyedStateSnapshot> Take(RocksDbSubtaskDatabase database, IReadOnlyList<IRocksDbState> states,
        KeyGroupRange range)
    {
        if (states.Count == 0)
        {
            return [];
        }
        if (!database.TryAcquire())
        {
            throw new ObjectDisposedException(database.Owner, "The RocksDB state backend is closed.");
        }
        var snapshot = new RocksDbFullSnapshot(database, states.Count);
        return [.. states.Select(s => new StateSnapshot(snapshot, s, range))];
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _open) == 0)
        {
            _snapshot.Dispose();
            _database.Release();
        }
    }

    private sealed class StateSnapshot(RocksDbFullSnapshot owner, IRocksDbState state, KeyGroupRange range) : IKeyedStateSnapshot
    {
        private readonly Lock _gate = new();
        private bool _disposed;

        public string Name => state.Name;

        public string Descriptor => state.DescriptorText;

        /// <summary>
        /// Reads the column family as of the snapshot one key group at a time into one reused buffer: memory stays at the
        /// largest key group's bytes however large the state is (a second enumeration reads again).
        /// </summary>
        public IEnumerable<KeyGroupBlock> Serialize(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
            }
            return Read(cancellationToken);
        }

        private IEnumerable<KeyGroupBlock> Read(CancellationToken cancellationToken)
        {
            using var buffer = new StateBuffer(4096);
            for (int group = range.Start; group <= range.End; group++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = ReadGroup(buffer, group);
                if (count > 0)
                {
                    yield return new KeyGroupBlock(group, count, buffer.WrittenMemory, default);
                }
            }
        }

        /// <summary>One key group's entries into <paramref name="buffer"/>; under the gate, so the snapshot outlives the read.</summary>
        private int ReadGroup(StateBuffer buffer, int group)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                buffer.Reset();
                var writer = new StateWriter(buffer);
                try
                {
                    return state.WriteGroup(ref writer, group, owner._snapshot);
                }
                catch (RocksDbException ex)
                {
                    throw new TaskStateException($"RocksDB could not read keyed state '{state.Name}' for a checkpoint ({ex.Message})", ex);
                }
                catch (Exception ex) when (ex is not TaskStateException and not OperationCanceledException)
                {
                    throw new TaskStateException($"could not save keyed state '{state.Name}' in a checkpoint", ex); // a stored row did not decode
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }
                _disposed = true;
            }
            owner.Release();
        }
    }
}
