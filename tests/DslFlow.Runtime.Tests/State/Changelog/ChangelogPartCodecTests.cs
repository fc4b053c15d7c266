using DslFlow.Checkpointing;
using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>A subtask's changelog part round-trips through its task state file section and refuses what it cannot trust.</summary>
public class ChangelogPartCodecTests
{
    private static readonly StateHandle Materialized = new(3, "shared/materialization-Count-0-2-ab", 900, 1);
    private static readonly StateHandle OldLog = new(2, "shared/changelog-01", 300, 2);
    private static readonly StateHandle NewLog = new(4, "shared/changelog-02", 200, 3);

    private static (byte[] Bytes, IReadOnlyList<StateHandle> Files) Encode()
    {
        var restored = new[] { new ChangelogSegment(OldLog, 0, 120, 0), new ChangelogSegment(OldLog, 120, 60, 1) };
        var checkpoint = new ChangelogCheckpoint(4, new ChangelogBase(2, [Materialized], [restored], 5), 5, 7,
            Task.FromResult<IReadOnlyList<ChangelogSegment>>([]));
        return ChangelogPartCodec.Encode(new KeyGroupRange(0, 63), checkpoint,
            [new ChangelogSegment(NewLog, 0, 90, 5), new ChangelogSegment(OldLog, 180, 40, 6)]);
    }

    private static Dictionary<string, StateHandle> ByPath(params StateHandle[] handles) => handles.ToDictionary(h => h.RelativePath);

    [Fact]
    public void A_part_round_trips_with_its_files_each_listed_once()
    {
        var (bytes, files) = Encode();

        var (owned, part) = ChangelogPartCodec.Decode(bytes, ByPath(Materialized, OldLog, NewLog), 4, "chk-4/Count-0.state");

        Assert.Equal([Materialized, OldLog, NewLog], files);
        Assert.Equal(new KeyGroupRange(0, 63), owned);
        Assert.Equal(2, part.MaterializationId);
        Assert.Equal([Materialized], part.Materialized);
        Assert.Equal(2, part.Logs.Count);
        Assert.Equal([0L, 1L], part.Logs[0].Select(s => s.SequenceNumber));
        Assert.Equal([new ChangelogSegment(NewLog, 0, 90, 5), new ChangelogSegment(OldLog, 180, 40, 6)], part.Logs[1]);
    }

    [Fact]
    public void A_file_the_metadata_does_not_list_is_refused_by_path()
    {
        var (bytes, _) = Encode();

        var ex = Assert.Throws<CheckpointCorruptedException>(() =>
            ChangelogPartCodec.Decode(bytes, ByPath(Materialized, OldLog), 4, "chk-4/Count-0.state"));

        Assert.Contains("names 'shared/changelog-02', which the checkpoint's metadata does not list", ex.Message);
    }

    [Fact]
    public void An_unknown_version_and_a_truncated_part_are_refused()
    {
        var (bytes, _) = Encode();
        byte[] future = [.. bytes];
        future[0] = 9;

        var version = Assert.Throws<CheckpointCorruptedException>(() =>
            ChangelogPartCodec.Decode(future, ByPath(Materialized, OldLog, NewLog), 4, "chk-4/Count-0.state"));
        var truncated = Assert.Throws<CheckpointCorruptedException>(() =>
            ChangelogPartCodec.Decode(bytes[..^3], ByPath(Materialized, OldLog, NewLog), 4, "chk-4/Count-0.state"));

        Assert.Contains("format version 9", version.Message);
        Assert.Contains("malformed changelog part", truncated.Message);
    }
}
