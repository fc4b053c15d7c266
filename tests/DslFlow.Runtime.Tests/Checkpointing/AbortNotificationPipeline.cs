using System.Collections.Concurrent;
using DslFlow.Checkpointing;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Checkpointing;

/// <summary>A source and a sink whose reader and writers record how checkpoints end (Flink's NotifyCheckpointAbortedITCase).</summary>
[Pipeline(DefaultParallelism = 2)]
public static partial class AbortNotificationPipeline
{
    public static ListeningSource Input { get; set; } = new(0);

    public static ListeningSink Output { get; set; } = new();

    [Source]
    public static ListeningSource Numbers() => Input;

    [Map(nameof(Numbers), KeyBy = nameof(KeyOf))]
    public static long Count(long value, ValueState<long> count)
    {
        count.Value++;
        return value;
    }

    public static long KeyOf(long value) => value % 10;

    [Sink(nameof(Count))]
    public static ListeningSink Out() => Output;
}

/// <summary>Records the checkpoint notifications one reader or writer received.</summary>
public class CheckpointNotifications : ICheckpointListener
{
    public ConcurrentQueue<long> Completed { get; } = new();

    public ConcurrentQueue<long> Aborted { get; } = new();

    public void OnCheckpointComplete(long checkpointId) => Completed.Enqueue(checkpointId);

    public void OnCheckpointAborted(long checkpointId) => Aborted.Enqueue(checkpointId);
}

public sealed class ListeningSource(long count, double recordsPerSecond = 10_000) : ICheckpointedSource<long>
{
    private readonly SequenceSource _inner = new(0, count) { RecordsPerSecond = recordsPerSecond };

    public ConcurrentQueue<CheckpointNotifications> Readers { get; } = new();

    public ISourceReader<long> CreateReader(NodeContext context) => Track(_inner.CreateReader(context));

    public ISourceReader<long> RestoreReader(NodeContext context, ReadOnlySpan<byte> position) => Track(_inner.RestoreReader(context, position));

    private Reader Track(ISourceReader<long> inner)
    {
        var reader = new Reader(inner);
        Readers.Enqueue(reader);
        return reader;
    }

    private sealed class Reader(ISourceReader<long> inner) : CheckpointNotifications, ISourceReader<long>, ICheckpointedReader
    {
        public ReadResult Read(Span<long> destination) => inner.Read(destination);

        public ValueTask WaitForDataAsync(CancellationToken cancellationToken) => inner.WaitForDataAsync(cancellationToken);

        public void WritePosition(ref StateWriter writer) => ((ICheckpointedReader)inner).WritePosition(ref writer);

        public void Dispose() => inner.Dispose();
    }
}

public sealed class ListeningSink : ISink<long>, ITransactionalSink
{
    public ConcurrentQueue<CheckpointNotifications> Writers { get; } = new();

    public ISinkWriter<long> CreateWriter(NodeContext context)
    {
        var writer = new Writer();
        Writers.Enqueue(writer);
        return writer;
    }

    public void RecoverTransactions(SinkRecoveryContext recovery)
    {
    }

    private sealed class Writer : CheckpointNotifications, ITwoPhaseCommitWriter<long>
    {
        public void Write(ReadOnlySpan<long> records)
        {
        }

        public void PreCommit(long checkpointId)
        {
        }

        public void Commit(long checkpointId)
        {
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>The local storage, failing on cue: checkpoint 1 while its metadata is stored, checkpoint 2 in a task's asynchronous phase.</summary>
internal sealed class FailingStorage(string directory) : ICheckpointStorage
{
    private readonly LocalCheckpointStorage _inner = new(directory);
    private int _asyncFailures;

    public CheckpointStateOutputStream OpenStateWriter(long checkpointId, string name) =>
        checkpointId == 2 && Interlocked.Exchange(ref _asyncFailures, 1) == 0
            ? throw new IOException("injected: the disk is full")
            : _inner.OpenStateWriter(checkpointId, name);

    public Task<StateHandle> WriteStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _inner.WriteStateAsync(checkpointId, name, data, cancellationToken);

    public Task<StateHandle> WriteStateAsync(long checkpointId, string name, Stream data, CancellationToken cancellationToken = default) =>
        _inner.WriteStateAsync(checkpointId, name, data, cancellationToken);

    public CheckpointStateOutputStream OpenSharedStateWriter(long checkpointId, string name) => _inner.OpenSharedStateWriter(checkpointId, name);

    public Task<StateHandle> WriteSharedStateAsync(long checkpointId, string name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _inner.WriteSharedStateAsync(checkpointId, name, data, cancellationToken);

    public CheckpointStateOutputStream OpenOwnedSharedStateWriter(string name) => _inner.OpenOwnedSharedStateWriter(name);

    public void ReleaseOwnedSharedState(StateHandle handle) => _inner.ReleaseOwnedSharedState(handle);

    public Task<byte[]> ReadStateAsync(StateHandle handle, CancellationToken cancellationToken = default) => _inner.ReadStateAsync(handle, cancellationToken);

    public void ReadStateRange(StateHandle handle, long offset, Span<byte> destination) => _inner.ReadStateRange(handle, offset, destination);

    public Task CompleteCheckpointAsync(CheckpointMetadata metadata, CancellationToken cancellationToken = default) =>
        metadata.CheckpointId == 1
            ? Task.FromException(new IOException("injected: the metadata could not be written"))
            : _inner.CompleteCheckpointAsync(metadata, cancellationToken);

    public bool AbortCheckpoint(long checkpointId) => _inner.AbortCheckpoint(checkpointId);

    public int CleanUpPartial() => _inner.CleanUpPartial();

    public int DiscardAll() => _inner.DiscardAll();

    public IReadOnlyList<long> ListCompletedCheckpoints() => _inner.ListCompletedCheckpoints();

    public Task<CheckpointMetadata?> LoadLatestAsync(CancellationToken cancellationToken = default) => _inner.LoadLatestAsync(cancellationToken);

    public IReadOnlyList<long> ListPartialCheckpoints() => _inner.ListPartialCheckpoints();

    public Task<CheckpointMetadata?> LoadCheckpointAsync(long checkpointId, CancellationToken cancellationToken = default) =>
        _inner.LoadCheckpointAsync(checkpointId, cancellationToken);
}
