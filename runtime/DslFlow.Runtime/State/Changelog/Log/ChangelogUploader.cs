using DslFlow.Checkpointing;
using Microsoft.Extensions.Logging;

namespace DslFlow.State.Changelog;

/// <summary>
/// Writes the change sets of every changelog subtask of one job in this process into shared log files (Flink's
/// <c>BatchingStateChangeUploadScheduler</c> with its <c>StateChangeFsUploader</c> and <c>TaskChangelogRegistry</c>).
/// A request waits <see cref="ChangelogUploadSettings.PersistDelay"/> for others to join its file, or less once the
/// waiting bytes reach <see cref="ChangelogUploadSettings.PersistSizeThreshold"/>; one file is written at a time, as an
/// owned shared file (<see cref="ICheckpointStorageWorkerView.OpenOwnedSharedStateWriter"/>). Past
/// <see cref="ChangelogUploadSettings.MaxInFlight"/> bytes waiting or being written, <see cref="Upload"/> blocks its
/// caller (the task thread: backpressure) until a file is written. A file is released to the storage once every change
/// set in it was released (<see cref="Release"/>). Thread-safe.
/// </summary>
internal sealed class ChangelogUploader : IDisposable
{
    private readonly ICheckpointStorageWorkerView _storage;
    private readonly ChangelogUploadSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly List<Request> _waiting = [];
    private readonly Dictionary<string, (StateHandle File, int Sets)> _files = new(StringComparer.Ordinal);
    private long _waitingBytes;
    private long _inFlightBytes;
    private ITimer? _delay;
    private bool _writing;
    private Task _lastWrite = Task.CompletedTask;
    private readonly string _jobName;
    private bool _disposed;

    public ChangelogUploader(ICheckpointStorageWorkerView storage, ChangelogUploadSettings settings, TimeProvider time,
        ILogger logger, string jobName = "")
    {
        _jobName = jobName;
        _storage = storage;
        _settings = settings;
        _time = time;
        _logger = logger;
    }

    /// <summary>Bytes waiting or being written.</summary>
    public long InFlightBytes
    {
        get
        {
            lock (_gate)
            {
                return _inFlightBytes;
            }
        }
    }

    /// <summary>Log files written so far.</summary>
    public int FilesWritten { get; private set; }

    /// <summary>Payload bytes of the log files written so far.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>
    /// Queues change sets for the next log file and returns where each one lies once it is written, in order. Blocks
    /// while the bytes in flight would pass <see cref="ChangelogUploadSettings.MaxInFlight"/> (a request larger than
    /// the cap waits until nothing else is in flight).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while blocked.</exception>
    public Task<IReadOnlyList<ChangelogSegment>> Upload(IReadOnlyList<SealedChangeSet> sets, CancellationToken cancellationToken)
    {
        long size = sets.Sum(set => (long)set.SectionLength);
        var request = new Request(sets, size);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_inFlightBytes > 0 && _inFlightBytes + size > _settings.MaxInFlight)
            {
                CancellationTokenRegistration wake = cancellationToken.Register(() =>
                {
                    lock (_gate)
                    {
                        Monitor.PulseAll(_gate);
                    }
                });
                try
                {
                    while (_inFlightBytes > 0 && _inFlightBytes + size > _settings.MaxInFlight && !_disposed)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    // Not Dispose: it waits for a callback under way, which waits for _gate, held here (a deadlock of
                    // the cancelling thread and this one). A late callback only pulses.
                    wake.Unregister();
                }
                ObjectDisposedException.ThrowIf(_disposed, this);
            }
            _inFlightBytes += size;
            _waitingBytes += size;
            _waiting.Add(request);
            if (_waitingBytes >= _settings.PersistSizeThreshold || _settings.PersistDelay <= TimeSpan.Zero)
            {
                StartWritingIfIdle();
            }
            else
            {
                _delay ??= _time.CreateTimer(_ => OnDelayElapsed(), null, _settings.PersistDelay, Timeout.InfiniteTimeSpan);
            }
        }
        return request.Done.Task;
    }

    /// <summary>A change set's segment is no longer needed by its subtask; the file goes once all its sets went.</summary>
    public void Release(ChangelogSegment segment)
    {
        StateHandle? unused = null;
        lock (_gate)
        {
            if (_files.TryGetValue(segment.File.RelativePath, out var entry))
            {
                if (entry.Sets > 1)
                {
                    _files[segment.File.RelativePath] = (entry.File, entry.Sets - 1);
                }
                else
                {
                    _files.Remove(segment.File.RelativePath);
                    unused = entry.File;
                }
            }
        }
        if (unused is not null)
        {
            try
            {
                _storage.ReleaseOwnedSharedState(unused);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(ex, "Could not delete the unused log file {File}; the next start removes it", unused.RelativePath);
            }
        }
    }

    /// <summary>Fails what still waits, wakes blocked callers, and waits (a bounded time) for the file being written.</summary>
    public void Dispose()
    {
        List<Request> dropped;
        Task writing;
        lock (_gate)
        {
            writing = _lastWrite;
            _disposed = true;
            _delay?.Dispose();
            _delay = null;
            dropped = [.. _waiting];
            _waiting.Clear();
            _inFlightBytes -= _waitingBytes;
            _waitingBytes = 0;
            Monitor.PulseAll(_gate);
        }
        foreach (Request request in dropped)
        {
            request.Done.TrySetException(new ObjectDisposedException(nameof(ChangelogUploader),
                "The job's changelog stopped before these changes were written."));
        }
        if (!writing.Wait(TimeSpan.FromSeconds(30)))
        {
            _logger.LogWarning("A log file was still being written 30 s after the job's changelog stopped; the next start "
                + "removes it if no checkpoint lists it");
        }
    }

    private void OnDelayElapsed()
    {
        lock (_gate)
        {
            _delay?.Dispose();
            _delay = null;
            StartWritingIfIdle();
        }
    }

    /// <summary>Under <c>_gate</c>: starts writing the waiting requests into one file unless a file is being written.</summary>
    private void StartWritingIfIdle()
    {
        if (_writing || _waiting.Count == 0 || _disposed)
        {
            return;
        }
        _writing = true;
        _delay?.Dispose();
        _delay = null;
        List<Request> batch = [.. _waiting];
        _waiting.Clear();
        _waitingBytes = 0;
        _lastWrite = Task.Run(() => WriteAsync(batch));
    }

    private async Task WriteAsync(List<Request> batch)
    {
        long size = batch.Sum(request => request.Size);
        try
        {
            (StateHandle file, List<IReadOnlyList<ChangelogSegment>> segments) = await WriteFileAsync(batch).ConfigureAwait(false);
            lock (_gate)
            {
                _files[file.RelativePath] = (file, batch.Sum(request => request.Sets.Count));
                FilesWritten++;
                BytesWritten += file.Length;
            }
            ChangelogMetrics.RecordLogFile(_jobName, file.Length);
            for (int i = 0; i < batch.Count; i++)
            {
                batch[i].Done.TrySetResult(segments[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (Request request in batch)
            {
                request.Done.TrySetException(ex);
            }
        }
        finally
        {
            lock (_gate)
            {
                _inFlightBytes -= size;
                _writing = false;
                Monitor.PulseAll(_gate);
                if (_waitingBytes >= _settings.PersistSizeThreshold || _settings.PersistDelay <= TimeSpan.Zero)
                {
                    StartWritingIfIdle();
                }
                else if (_waiting.Count > 0)
                {
                    _delay ??= _time.CreateTimer(_ => OnDelayElapsed(), null, _settings.PersistDelay, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    private async Task<(StateHandle File, List<IReadOnlyList<ChangelogSegment>> Segments)> WriteFileAsync(List<Request> batch)
    {
        await using CheckpointStateOutputStream stream = _storage.OpenOwnedSharedStateWriter("changelog");
        var placed = new List<List<(long Offset, SealedChangeSet Set)>>(batch.Count);
        long offset = 0;
        byte[] buffer = [];
        foreach (Request request in batch)
        {
            var sections = new List<(long, SealedChangeSet)>(request.Sets.Count);
            foreach (SealedChangeSet set in request.Sets)
            {
                if (buffer.Length < set.SectionLength)
                {
                    buffer = new byte[Math.Max(set.SectionLength, buffer.Length * 2)];
                }
                ChangelogFormat.WriteSection(buffer, set.SequenceNumber, set.Count, set.Changes.AsSpan(0, set.Length));
                await stream.WriteAsync(buffer.AsMemory(0, set.SectionLength)).ConfigureAwait(false);
                sections.Add((offset, set));
                offset += set.SectionLength;
            }
            placed.Add(sections);
        }
        StateHandle file = await stream.CloseAndGetHandleAsync().ConfigureAwait(false);
        return (file, [.. placed.Select(sections => (IReadOnlyList<ChangelogSegment>)[.. sections.Select(s =>
            new ChangelogSegment(file, s.Offset, s.Set.SectionLength, s.Set.SequenceNumber))])]);
    }

    private sealed class Request(IReadOnlyList<SealedChangeSet> sets, long size)
    {
        public IReadOnlyList<SealedChangeSet> Sets => sets;

        public long Size => size;

        public TaskCompletionSource<IReadOnlyList<ChangelogSegment>> Done { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
