using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Recovery;

/// <summary>
/// The topology of Flink's <c>UnalignedCheckpointITCase</c>, run aligned: ordered long sources → an all-to-all keyed
/// edge → a map that fails on cue → another keyed edge → a stateful verifier that counts per source and checks order
/// → the transactional collect sink. Each source subtask owns a contiguous range of values, the key is that subtask.
/// </summary>
[Pipeline]
public static partial class ExactlyOncePipeline
{
    public static long RecordCount { get; set; }

    public static int SourceParallelism { get; set; } = 1;

    public static double RecordsPerSecond { get; set; } = 100_000;

    public static FailureInjector Failures { get; set; } = new();

    /// <summary>When above 0, the verifier sleeps 1 ms every that many records, so its input backs up (in-flight data).</summary>
    public static int SlowEvery { get; set; }

    public static CollectSink<Checked> Output { get; set; } = new();

    [Source]
    public static SequenceSource Numbers() => new(0, RecordCount) { RecordsPerSecond = RecordsPerSecond };

    [Map(nameof(Numbers), KeyBy = nameof(OriginOf))]
    public static InFlight FailingMap(long value)
    {
        Failures.OnMap();
        return new InFlight(value);
    }

    [Process(nameof(FailingMap), KeyBy = nameof(OriginOfRecord))]
    public static void Verify(InFlight record, ValueState<Tally> tally, Collector<Checked> output)
    {
        long value = record.Value;
        if (Failures.OnVerify() is var calls && SlowEvery > 0 && calls % SlowEvery == 0)
        {
            Thread.Sleep(1);
        }
        Tally before = tally.Value;
        bool inOrder = before.Count == 0 || value > before.Last;
        tally.Value = new Tally(before.Count + 1, value);
        output.Emit(new Checked(OriginOf(value), value, before.Count + 1, inOrder));
    }

    [Sink(nameof(Verify))]
    public static CollectSink<Checked> Out() => Output;

    public static int OriginOfRecord(InFlight record) => OriginOf(record.Value);

    /// <summary>The source subtask that emits <paramref name="value"/> (the sequence source's contiguous split).</summary>
    public static int OriginOf(long value)
    {
        int p = SourceParallelism;
        for (int i = p - 1; i > 0; i--)
        {
            long start = (long)((UInt128)(ulong)RecordCount * (ulong)i / (ulong)p);
            if (value >= start)
            {
                return i;
            }
        }
        return 0;
    }
}

/// <summary>What the verifier saw: the value, its source, the running count of that source, and whether it came in order.</summary>
public readonly record struct Checked(int Origin, long Value, long Count, bool InOrder);

/// <summary>Per-source state of the verifier, with a serializer that fails on cue (during a snapshot, during a restore).</summary>
[Serializer(typeof(TallySerializer))]
public readonly record struct Tally(long Count, long Last);

public sealed class TallySerializer : ISerializer<Tally>
{
    public void Write(ref StateWriter writer, Tally value)
    {
        ExactlyOncePipeline.Failures.OnSnapshotWrite();
        writer.WriteVarInt64(value.Count);
        writer.WriteVarInt64(value.Last);
    }

    public Tally Read(ref StateReader reader)
    {
        ExactlyOncePipeline.Failures.OnRestoreRead();
        return new Tally(reader.ReadVarInt64(), reader.ReadVarInt64());
    }
}

/// <summary>The record between the map and the verifier; its serializer fails on cue while channel state is restored.</summary>
[Serializer(typeof(InFlightSerializer))]
public readonly record struct InFlight(long Value);

public sealed class InFlightSerializer : ISerializer<InFlight>
{
    public void Write(ref StateWriter writer, InFlight value) => writer.WriteVarInt64(value.Value);

    public InFlight Read(ref StateReader reader)
    {
        ExactlyOncePipeline.Failures.OnChannelStateRead();
        return new InFlight(reader.ReadVarInt64());
    }
}

/// <summary>An exception thrown on purpose by the tests.</summary>
public sealed class InjectedFailureException(string message) : Exception(message);

/// <summary>
/// Seeded failure points, counted over the whole job (every restart replays records, so each threshold is crossed
/// once): map calls at which the map throws; a verifier call count after which the next snapshot write throws; and,
/// after that, one failing restore.
/// </summary>
public sealed class FailureInjector
{
    private readonly long[] _mapFailures;
    private readonly long _snapshotFailureAfter;
    private readonly bool _failRestore;
    private long _mapCalls;
    private long _verifyCalls;
    private int _snapshotFailed;
    private int _restoreArmed;
    private int _restoreFailed;
    private int _mapFailed;
    private readonly bool _failChannelRestore;
    private int _channelRestoreArmed;
    private int _channelRestoreFailed;
    private int _restartsAtSnapshotFailure = -1;

    /// <summary>The job's restart count, set by the test once the job started (to tell whether a restart followed the snapshot failure).</summary>
    public Func<int>? Restarts { get; set; }

    /// <summary>
    /// True when the injected restore failure never found a restore to fail because no restart followed the snapshot
    /// failure (its checkpoint did not fail the job over).
    /// </summary>
    public bool RestoreFailureHadNoRestore => Volatile.Read(ref _restoreArmed) == 1 && Restarts?.Invoke() == _restartsAtSnapshotFailure;

    public FailureInjector(long[]? mapFailures = null, long snapshotFailureAfter = -1, bool failRestore = false, bool failChannelRestore = false)
    {
        _failChannelRestore = failChannelRestore;
        _mapFailures = mapFailures ?? [];
        _snapshotFailureAfter = snapshotFailureAfter;
        _failRestore = failRestore;
    }

    /// <summary>Failures injected so far, by place.</summary>
    public (int Map, int Snapshot, int Restore) Injected => (Volatile.Read(ref _mapFailed), Volatile.Read(ref _snapshotFailed), Volatile.Read(ref _restoreFailed));

    public int Planned => _mapFailures.Length + (_snapshotFailureAfter >= 0 ? 1 : 0) + (_failRestore ? 1 : 0);

    public int Total => Injected.Map + Injected.Snapshot + Injected.Restore;

    public void OnMap()
    {
        long call = Interlocked.Increment(ref _mapCalls);
        if (Array.IndexOf(_mapFailures, call) >= 0)
        {
            Interlocked.Increment(ref _mapFailed);
            throw new InjectedFailureException($"injected map failure at call {call}");
        }
    }

    public long OnVerify() => Interlocked.Increment(ref _verifyCalls);

    public void OnSnapshotWrite()
    {
        if (_snapshotFailureAfter >= 0 && Volatile.Read(ref _verifyCalls) >= _snapshotFailureAfter
            && Interlocked.CompareExchange(ref _snapshotFailed, 1, 0) == 0)
        {
            _restartsAtSnapshotFailure = Restarts?.Invoke() ?? -1;
            Volatile.Write(ref _restoreArmed, _failRestore ? 1 : 0);
            Volatile.Write(ref _channelRestoreArmed, _failChannelRestore ? 1 : 0);
            throw new InjectedFailureException("injected failure while writing a snapshot");
        }
    }

    /// <summary>Channel-state restores that failed on cue (0 or 1).</summary>
    public int ChannelRestoreFailures => Volatile.Read(ref _channelRestoreFailed);

    public void OnChannelStateRead()
    {
        if (Interlocked.Exchange(ref _channelRestoreArmed, 0) == 1)
        {
            Interlocked.Increment(ref _channelRestoreFailed);
            throw new InjectedFailureException("injected failure while restoring in-flight records");
        }
    }

    public void OnRestoreRead()
    {
        if (Interlocked.Exchange(ref _restoreArmed, 0) == 1)
        {
            Interlocked.Increment(ref _restoreFailed);
            throw new InjectedFailureException("injected failure while restoring state");
        }
    }
}
