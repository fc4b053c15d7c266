using DslFlow.Serialization;
using DslFlow.State.Backends;
using DslFlow.Time.Timers;

namespace DslFlow.State.Changelog;

/// <summary>
/// A timer queue of the changelog backend (Flink's <c>ChangelogKeyGroupedPriorityQueue</c>): the wrapped backend's queue,
/// with every change appended to the subtask's log under the timer's key group — a registration as
/// <c>AddElement | id | int32 hash | key | int64 time</c>, a deletion or a fired timer as <c>RemoveElement</c> with the
/// same payload — so a changelog checkpoint needs only the log since the last materialization, which holds the wrapped
/// queue whole. Replay applies the records to the wrapped queue. Before its first change in a log segment it appends its
/// metadata, as a state does. Task thread only.
/// </summary>
/// <typeparam name="TKey">The node's key type.</typeparam>
internal sealed class ChangelogTimerQueue<TKey> : IKeyedTimerQueue<TKey>, IChangelogState
    where TKey : notnull
{
    private readonly IKeyedTimerQueue<TKey> _inner;
    private readonly TimerQueueDescriptor<TKey> _descriptor;
    private readonly StateChangelogWriter? _log;
    private readonly int _maxParallelism;
    private readonly StateBuffer _scratch = new(64);
    private bool _metadataLogged;

    /// <param name="inner">The wrapped backend's queue.</param>
    /// <param name="descriptor">Its descriptor.</param>
    /// <param name="id">Its id in this subtask's log.</param>
    /// <param name="log">Where changes go; null for a queue that only replays (a restore into a backend without changelog).</param>
    /// <param name="maxParallelism">The job's number of key groups.</param>
    public ChangelogTimerQueue(IKeyedTimerQueue<TKey> inner, TimerQueueDescriptor<TKey> descriptor, int id, StateChangelogWriter? log,
        int maxParallelism)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _descriptor = descriptor ?? throw new ArgumentNullException(nameof(descriptor));
        Id = id;
        _log = log;
        _maxParallelism = maxParallelism;
    }

    public int Id { get; }

    public string Name => _descriptor.Name;

    public string Description => _descriptor.Description;

    public KeyedStateKind Kind => KeyedStateKind.Timers;

    public int Count => _inner.Count;

    public long? NextTime => _inner.NextTime;

    public bool Register(TKey key, int stableHash, long time)
    {
        if (!_inner.Register(key, stableHash, time))
        {
            return false;
        }
        Log(StateChangeOperation.AddElement, key, stableHash, time);
        return true;
    }

    public bool Delete(TKey key, int stableHash, long time)
    {
        if (!_inner.Delete(key, stableHash, time))
        {
            return false;
        }
        Log(StateChangeOperation.RemoveElement, key, stableHash, time);
        return true;
    }

    public bool TryTakeDue(long time, out TKey key, out int stableHash, out long timerTime)
    {
        if (!_inner.TryTakeDue(time, out key, out stableHash, out timerTime))
        {
            return false;
        }
        Log(StateChangeOperation.RemoveElement, key, stableHash, timerTime); // fired: gone from the queue
        return true;
    }

    /// <summary>Drops every timer, logging each removal (a log replayed after it must not bring them back).</summary>
    public void Clear()
    {
        if (_log is null)
        {
            _inner.Clear();
            return;
        }
        while (TryTakeDue(long.MaxValue, out _, out _, out _))
        {
        }
    }

    /// <summary>A new log segment began (after a materialization): the metadata is logged again before the next change.</summary>
    public void ResetMetadata() => _metadataLogged = false;

    public void Apply(StateChangeOperation operation, int keyGroup, ref StateReader reader)
    {
        int hash = reader.ReadInt32();
        if (KeyGroups.Assign(hash, _maxParallelism) != keyGroup)
        {
            throw reader.Malformed($"a change of timers '{Name}' has hash 0x{hash:x8} of key group "
                + $"{KeyGroups.Assign(hash, _maxParallelism)}, not of its record's key group {keyGroup}");
        }
        TKey key = _descriptor.KeySerializer.Read(ref reader) ?? throw reader.Malformed($"a change of timers '{Name}' has a null key");
        long time = reader.ReadInt64();
        switch (operation)
        {
            case StateChangeOperation.AddElement:
                _inner.Register(key, hash, time);
                break;
            case StateChangeOperation.RemoveElement:
                _inner.Delete(key, hash, time);
                break;
            default:
                throw reader.Malformed($"timers '{Name}' have a change of kind {operation}, which only states log");
        }
    }

    private void Log(StateChangeOperation operation, TKey key, int hash, long time)
    {
        if (_log is null)
        {
            return;
        }
        if (!_metadataLogged)
        {
            _metadataLogged = true;
            _scratch.Reset();
            var metadata = new StateWriter(_scratch);
            StateChangeRecords.WriteMetadata(ref metadata, Id, Name, Kind, Description);
            _log.Append(ChangelogFormat.MetadataKeyGroup, _scratch.WrittenSpan);
        }
        _scratch.Reset();
        var writer = new StateWriter(_scratch);
        writer.WriteByte((byte)operation);
        writer.WriteIndex(Id);
        writer.WriteInt32(hash);
        _descriptor.KeySerializer.Write(ref writer, key);
        writer.WriteInt64(time);
        _log.Append(KeyGroups.Assign(hash, _maxParallelism), _scratch.WrittenSpan);
    }
}
