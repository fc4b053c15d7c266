using DslFlow.Runtime.Tests.Checkpointing.Storage;
using Microsoft.Extensions.Time.Testing;

namespace DslFlow.Runtime.Tests.Sources;

using static FileSplitKit;

/// <summary>
/// A file-line source with <see cref="FileLineSource.DiscoveryInterval"/>: files that appear while it runs, or while it
/// is down, are read once by exactly one share, also across restores; its readers never end.
/// </summary>
public sealed class FileLineDiscoveryTests : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger _logs = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_file_added_while_running_is_read_once_also_across_a_restore()
    {
        _dir.Write("a.txt", Text(Lines("a", 0, 3)));
        FileLineSource source = Source();
        FileLineReader reader = source.CreateReader(Context());
        Assert.Equal(Lines("a", 0, 3), Drain(reader));
        Assert.Equal(ReadStatus.NothingAvailable, reader.Read(new string[4]).Status); // never the end of input

        _dir.Write("b.txt", Text(Lines("b", 0, 5)));
        Assert.Empty(Drain(reader)); // not due yet
        ValueTask due = reader.WaitForDataAsync(CancellationToken.None);
        Assert.False(due.IsCompleted);
        _time.Advance(Interval);
        await due;
        List<string> emitted = [.. Drain(reader, limit: 2)];
        byte[] position = PositionOf(reader); // b.txt is a split now, 2 lines read
        _dir.Write("c.txt", Text(Lines("c", 0, 2))); // appears while the job is down

        FileLineReader restored = (FileLineReader)Source().RestoreReader(Context(), position);
        emitted.AddRange(Drain(restored));
        _time.Advance(Interval);
        emitted.AddRange(Drain(restored));

        Assert.Equal([.. Lines("b", 0, 5), .. Lines("c", 0, 2)], emitted);
        Assert.Equal(3, restored.Positions.Count); // a, b, c: each a split, never read again
    }

    [Fact]
    public void At_p2_each_new_file_is_read_by_exactly_one_share_and_no_first_listed_file_twice()
    {
        // Enough first-listed files that some hash to the share that did not get them by index: they must not be taken again.
        var initial = new List<string>();
        while (initial.Count < 6 || initial.Select((path, k) => (path, k)).All(f => FileDiscovery.OwnerOf(f.path, 2) == f.k % 2))
        {
            initial.Add(_dir.Write($"init-{initial.Count:D3}.txt", Text(Lines($"init{initial.Count}", 0, 2))));
        }
        FileLineSource source = Source();
        FileLineReader[] shares = [source.CreateReader(Context(0, 2)), source.CreateReader(Context(1, 2))];
        var readBy = new Dictionary<string, List<int>>();
        void DrainAll()
        {
            for (int s = 0; s < 2; s++)
            {
                foreach (string line in Drain(shares[s]))
                {
                    readBy.TryAdd(line, []);
                    readBy[line].Add(s);
                }
            }
        }
        DrainAll();
        for (int i = 0; i < 20; i++)
        {
            _dir.Write($"new-{i:D2}.txt", Text(Lines($"new{i}", 0, 3)));
        }
        _time.Advance(Interval);
        DrainAll();
        byte[][] positions = [.. shares.Select(PositionOf)];
        for (int i = 20; i < 30; i++)
        {
            _dir.Write($"new-{i:D2}.txt", Text(Lines($"new{i}", 0, 3)));
        }
        shares = [(FileLineReader)Source().RestoreReader(Context(0, 2), positions[0]), (FileLineReader)Source().RestoreReader(Context(1, 2), positions[1])];
        DrainAll();
        _time.Advance(Interval);
        DrainAll();

        string[] expected = [.. Enumerable.Range(0, initial.Count).SelectMany(i => Lines($"init{i}", 0, 2)), .. Enumerable.Range(0, 30).SelectMany(i => Lines($"new{i}", 0, 3))];
        Assert.Equal(expected.Order(StringComparer.Ordinal), readBy.Keys.Order(StringComparer.Ordinal));
        Assert.All(readBy, entry => Assert.Single(entry.Value)); // no line twice
        Assert.Equal(2, readBy.Where(e => e.Key.StartsWith("new", StringComparison.Ordinal)).Select(e => e.Value[0]).Distinct().Count());
    }

    [Fact]
    public void A_discovering_source_accepts_an_empty_match_but_not_a_missing_directory()
    {
        FileLineSource empty = Source();
        empty.ValidateAtStart(resumesFromCheckpoint: false);
        FileLineReader reader = empty.CreateReader(Context());
        Assert.Equal(ReadStatus.NothingAvailable, reader.Read(new string[4]).Status);
        _dir.Write("late.txt", "late\n");
        _time.Advance(Interval);
        Assert.Equal(["late"], Drain(reader));

        var missing = new FileLineSource(Path.Combine(_dir.Path, "nope", "*.txt")) { DiscoveryInterval = Interval };
        Assert.Throws<JobConfigurationException>(() => missing.ValidateAtStart(resumesFromCheckpoint: false));
        Assert.Throws<JobConfigurationException>(() => missing.ValidateAtStart(resumesFromCheckpoint: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FileLineSource("x") { DiscoveryInterval = TimeSpan.Zero });
    }

    private FileLineSource Source() => new(Path.Combine(_dir.Path, "*.txt")) { DiscoveryInterval = Interval };

    private NodeContext Context(int subtask = 0, int parallelism = 1) =>
        LoggedContext(_logs, subtask, parallelism, new PipelineOptions { TimeProvider = _time });

    /// <summary>Reads until the reader has nothing now (at most <paramref name="limit"/> lines), one batch of 4 at a time.</summary>
    private static List<string> Drain(FileLineReader reader, int limit = int.MaxValue)
    {
        var lines = new List<string>();
        var buffer = new string[Math.Min(4, limit)];
        while (lines.Count < limit)
        {
            ReadResult result = reader.Read(buffer.AsSpan(0, Math.Min(buffer.Length, limit - lines.Count)));
            lines.AddRange(buffer.AsSpan(0, result.Count));
            Assert.NotEqual(ReadStatus.EndOfInput, result.Status);
            if (result.Status == ReadStatus.NothingAvailable)
            {
                break;
            }
        }
        return lines;
    }
}
