using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Checkpointing.Storage;
using DslFlow.State.Changelog;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>A temporary job folder with a gated storage, a fake clock, and an uploader and writers over them.</summary>
public abstract class ChangelogTestKit : StorageFixture
{
    private readonly List<IDisposable> _owned = [];

    private protected ChangelogTestKit()
    {
        Storage = new GatedWorkerStorage(NewStorage(retained: 3));
    }

    private protected GatedWorkerStorage Storage { get; }

    private protected FakeTimeProvider Clock { get; } = new();

    private protected string SharedFolder => Path.Combine(CheckpointDirectory, "shared");

    private protected IReadOnlyList<string> LogFiles() =>
        Directory.Exists(SharedFolder) ? [.. Directory.EnumerateFiles(SharedFolder).Where(f => !Path.GetFileName(f).StartsWith('.'))] : [];

    private protected ChangelogUploader NewUploader(TimeSpan? delay = null, long sizeThreshold = 10 << 20, long maxInFlight = 100 << 20)
    {
        var uploader = new ChangelogUploader(Storage, new ChangelogUploadSettings(delay ?? TimeSpan.Zero, sizeThreshold, maxInFlight),
            Clock, NullLogger.Instance);
        _owned.Add(uploader);
        return uploader;
    }

    private protected StateChangelogWriter NewWriter(ChangelogUploader uploader, long preemptiveThreshold = 5 << 20,
        string owner = "Count-0", CancellationToken cancellation = default)
    {
        var writer = new StateChangelogWriter(owner, uploader, preemptiveThreshold, NullLogger.Instance, cancellation);
        _owned.Insert(0, writer);
        return writer;
    }

    /// <summary>A change whose bytes say which one it is.</summary>
    private protected static byte[] Change(int n, int length = 8) => [.. Enumerable.Range(0, length).Select(i => (byte)(n * 7 + i))];

    /// <summary><see cref="Change"/> as <see cref="ReadBack"/> returns it.</summary>
    private protected static (int KeyGroup, string Hex) Logged(int keyGroup, int n, int length = 8) =>
        (keyGroup, Convert.ToHexString(Change(n, length)));

    /// <summary>The changes of segments as the log holds them, in order.</summary>
    private protected List<(int KeyGroup, string Hex)> ReadBack(IEnumerable<ChangelogSegment> segments)
    {
        List<(int, string)> changes = [];
        foreach (ChangelogSegment segment in segments)
        {
            var section = new byte[segment.Length];
            Storage.ReadStateRange(segment.File, segment.Offset, section);
            ChangelogFormat.ReadSection(section, segment, 1, (keyGroup, bytes) => changes.Add((keyGroup, Convert.ToHexString(bytes))));
        }
        return changes;
    }

    protected override void ReleaseResources()
    {
        Storage.Open();
        _owned.ForEach(o => o.Dispose());
    }
}
