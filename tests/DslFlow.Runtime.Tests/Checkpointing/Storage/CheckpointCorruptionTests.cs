using System.Buffers.Binary;
using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

public class CheckpointCorruptionTests : StorageFixture
{
    private const int HeaderLength = 8;

    private async Task<LocalCheckpointStorage> TwoCheckpointsAsync()
    {
        var storage = NewStorage(retained: 2);
        await WriteCheckpointAsync(storage, 1);
        await WriteCheckpointAsync(storage, 2);
        return storage;
    }

    private async Task AssertFallsBackToCheckpoint1Async(params string[] expectedInWarning)
    {
        CheckpointMetadata? loaded = await NewStorage(retained: 2).LoadLatestAsync();

        Assert.Equal(1, loaded?.CheckpointId);
        string warning = Assert.Single(Logger.Warnings);
        Assert.Contains("Skipping checkpoint 2", warning);
        Assert.Contains("Restoring from checkpoint 1 instead", warning);
        foreach (string expected in expectedInWarning)
        {
            Assert.Contains(expected, warning);
        }
    }

    [Fact]
    public async Task A_flipped_byte_in_a_state_file_falls_back_to_the_previous_checkpoint_with_a_warning()
    {
        await TwoCheckpointsAsync();
        FlipByte(PathOf("chk-2/counter-1.state"), HeaderLength + 500);

        await AssertFallsBackToCheckpoint1Async("chk-2/counter-1.state", "fails its checksum", "expected crc32c 0x");
    }

    [Fact]
    public async Task A_truncated_state_file_falls_back()
    {
        await TwoCheckpointsAsync();
        using (var file = new FileStream(PathOf("chk-2/counter-0.state"), FileMode.Open))
        {
            file.SetLength(file.Length - 5);
        }

        await AssertFallsBackToCheckpoint1Async("chk-2/counter-0.state", "wrong length", "expected 1020 bytes, found 1015 bytes");
    }

    [Fact]
    public async Task A_missing_state_file_falls_back()
    {
        await TwoCheckpointsAsync();
        File.Delete(PathOf("chk-2/counter-0.state"));

        await AssertFallsBackToCheckpoint1Async("chk-2/counter-0.state", "is missing");
    }

    [Fact]
    public async Task Truncated_metadata_falls_back()
    {
        await TwoCheckpointsAsync();
        byte[] metadata = File.ReadAllBytes(MetadataPath(2));
        File.WriteAllBytes(MetadataPath(2), metadata[..(metadata.Length / 2)]);

        await AssertFallsBackToCheckpoint1Async("chk-2/_metadata", "wrong length");
    }

    [Fact]
    public async Task Metadata_cut_inside_its_header_falls_back()
    {
        await TwoCheckpointsAsync();
        File.WriteAllBytes(MetadataPath(2), File.ReadAllBytes(MetadataPath(2))[..3]);

        await AssertFallsBackToCheckpoint1Async("chk-2/_metadata", "too short to hold its header");
    }

    [Fact]
    public async Task A_flipped_byte_in_the_metadata_body_falls_back()
    {
        await TwoCheckpointsAsync();
        FlipByte(MetadataPath(2), HeaderLength + 4 + 10);

        await AssertFallsBackToCheckpoint1Async("chk-2/_metadata", "fails its checksum");
    }

    [Fact]
    public async Task A_wrong_format_version_falls_back_with_a_message_naming_both_versions()
    {
        await TwoCheckpointsAsync();
        byte[] metadata = File.ReadAllBytes(MetadataPath(2));
        BinaryPrimitives.WriteUInt16LittleEndian(metadata.AsSpan(4), 7);
        File.WriteAllBytes(MetadataPath(2), metadata);

        await AssertFallsBackToCheckpoint1Async("chk-2/_metadata", "format version 7",
            $"reads versions {CheckpointMetadata.OldestReadableFormatVersion} to {CheckpointMetadata.CurrentFormatVersion}");
    }

    [Fact]
    public async Task Wrong_magic_bytes_fall_back()
    {
        await TwoCheckpointsAsync();
        FlipByte(PathOf("chk-2/counter-0.state"), 0);

        await AssertFallsBackToCheckpoint1Async("chk-2/counter-0.state", "magic bytes", "'DFST'");
    }

    [Fact]
    public async Task When_every_checkpoint_is_corrupted_load_returns_null_and_says_so()
    {
        await TwoCheckpointsAsync();
        FlipByte(PathOf("chk-1/counter-0.state"), HeaderLength);
        FlipByte(PathOf("chk-2/counter-0.state"), HeaderLength);

        Assert.Null(await NewStorage().LoadLatestAsync());
        Assert.Equal(2, Logger.Warnings.Count());
        Assert.All(Logger.Warnings, w => Assert.Contains("No older completed checkpoint is usable", w));
    }

    [Fact]
    public async Task ReadState_throws_a_precise_exception_on_a_checksum_mismatch()
    {
        var storage = await TwoCheckpointsAsync();
        StateHandle handle = (await storage.LoadLatestAsync())!.SubtaskStates[new("counter", 1)][0];
        FlipByte(PathOf(handle.RelativePath), HeaderLength + 17);

        var e = await Assert.ThrowsAsync<CheckpointCorruptedException>(() => storage.ReadStateAsync(handle));

        Assert.Equal(2, e.CheckpointId);
        Assert.Equal("chk-2/counter-1.state", e.FilePath);
        Assert.Equal($"crc32c 0x{handle.Checksum:x8}", e.Expected);
        Assert.NotEqual(e.Expected, e.Actual);
        Assert.StartsWith("Checkpoint 2 is corrupted: file 'chk-2/counter-1.state' fails its checksum", e.Message);
        Assert.Contains($"expected crc32c 0x{handle.Checksum:x8}, found crc32c 0x", e.Message);
    }

    [Fact]
    public async Task ReadState_refuses_a_handle_whose_checksum_was_altered()
    {
        var storage = await TwoCheckpointsAsync();
        StateHandle handle = (await storage.LoadLatestAsync())!.SubtaskStates[new("counter", 0)][0];

        var e = await Assert.ThrowsAsync<CheckpointCorruptedException>(
            () => storage.ReadStateAsync(handle with { Checksum = handle.Checksum ^ 1 }));
        Assert.Contains("fails its checksum", e.Message);
    }

    [Fact]
    public async Task A_forged_handle_pointing_outside_the_checkpoint_is_not_read()
    {
        var storage = await TwoCheckpointsAsync();
        File.WriteAllText(Path.Combine(Root, "secret.txt"), "outside");

        foreach (string path in new[] { "../secret.txt", "chk-2/../../secret.txt", "/etc/passwd", "chk-1/counter-0.state" })
        {
            var e = await Assert.ThrowsAsync<CheckpointCorruptedException>(
                () => storage.ReadStateAsync(new StateHandle(2, path, 7, 0)));
            Assert.Contains("is not a state file path of checkpoint 2", e.Message);
        }
    }
}
