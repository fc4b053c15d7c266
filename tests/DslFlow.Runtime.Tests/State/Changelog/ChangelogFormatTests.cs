using DslFlow.Checkpointing;
using DslFlow.State.Changelog;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>A damaged log section is detected and named like a damaged state file: checksum, length, version, order.</summary>
public class ChangelogFormatTests
{
    private static readonly StateHandle File = new(4, "shared/changelog-0123", 1000, 0);

    private static (byte[] Section, ChangelogSegment Segment) Section(long sequence = 7)
    {
        var changes = new byte[2 * ChangelogFormat.ChangeOverhead + 5 + 3];
        ChangelogFormat.WriteChange(changes, 3, [1, 2, 3, 4, 5]);
        ChangelogFormat.WriteChange(changes.AsSpan(ChangelogFormat.ChangeOverhead + 5), ChangelogFormat.MetadataKeyGroup, [9, 9, 9]);
        var section = new byte[ChangelogFormat.SectionOverhead + changes.Length];
        ChangelogFormat.WriteSection(section, sequence, 2, changes);
        return (section, new ChangelogSegment(File, 40, section.Length, sequence));
    }

    private static List<string> Read(byte[] section, ChangelogSegment segment)
    {
        List<string> changes = [];
        ChangelogFormat.ReadSection(section, segment, 9, (keyGroup, bytes) => changes.Add($"{keyGroup}:{Convert.ToHexString(bytes)}"));
        return changes;
    }

    [Fact]
    public void A_section_reads_back_its_changes_in_order()
    {
        var (section, segment) = Section();
        Assert.Equal(["3:0102030405", "-1:090909"], Read(section, segment));
    }

    [Theory]
    [InlineData(6, "fails its checksum")]
    [InlineData(20, "fails its checksum")]
    [InlineData(4, "format version")]
    public void A_flipped_byte_is_refused_naming_the_file_the_checkpoint_and_the_change_set(int at, string problem)
    {
        var (section, segment) = Section();
        section[at] ^= 0x5A;

        var ex = Assert.Throws<CheckpointCorruptedException>(() => Read(section, segment));

        Assert.Contains(problem, ex.Message);
        Assert.Contains("Checkpoint 9 is corrupted: file 'shared/changelog-0123'", ex.Message);
        Assert.Equal(9, ex.CheckpointId);
    }

    [Fact]
    public void A_truncated_section_and_one_of_another_change_set_are_refused()
    {
        var (section, segment) = Section();
        var truncated = Assert.Throws<CheckpointCorruptedException>(() => Read(section[..^3], segment with { Length = section.Length - 3 }));
        Assert.Contains("length does not match its handle", truncated.Message);

        var (other, _) = Section(sequence: 8);
        var misplaced = Assert.Throws<CheckpointCorruptedException>(() => Read(other, segment));
        Assert.Contains("of another change set", misplaced.Message);
        Assert.Contains("change set 7 at offset 40", misplaced.Message);
    }
}
