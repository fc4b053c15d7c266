using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage;

public class CheckpointStorageArgumentTests : StorageFixture
{
    [Theory]
    [InlineData("../escape.state", "it starts with '.'")]
    [InlineData("..", "it starts with '.'")]
    [InlineData("sub/dir.state", "it contains '/' at position 3")]
    [InlineData("escape/../../x", "it contains '/' at position 6")]
    [InlineData("a\\b.state", "it contains '\\' at position 1")]
    [InlineData("/etc/passwd", "it contains '/' at position 0")]
    [InlineData("_metadata", "it starts with '_'")]
    [InlineData("", "it is empty")]
    [InlineData("name\0.state", "it contains '\0' at position 4")]
    [InlineData("spaced name", "it contains ' ' at position 6")]
    public void State_names_that_could_escape_or_collide_are_rejected(string name, string problem)
    {
        var storage = NewStorage();

        var e = Assert.Throws<ArgumentException>(() => storage.OpenStateWriter(1, name));

        Assert.Equal("name", e.ParamName);
        Assert.Contains($"The state name '{name}' for checkpoint 1 is not a plain file name: {problem}", e.Message);
        Assert.Contains("for example 'counter-3.state'", e.Message);
        Assert.Equal(["checkpoints"], Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName));
        Assert.Empty(Directory.EnumerateFileSystemEntries(CheckpointDirectory));
    }

    [Fact]
    public void A_long_state_name_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => NewStorage().OpenStateWriter(1, new string('a', 201)));
        Assert.Contains("201 characters long (at most 200)", e.Message);
    }

    [Fact]
    public void Constructor_arguments_are_validated_with_a_fix()
    {
        var empty = Assert.Throws<ArgumentException>(() => new LocalCheckpointStorage(" "));
        Assert.Contains("The checkpoint directory is empty", empty.Message);
        var retained = Assert.Throws<ArgumentOutOfRangeException>(() => new LocalCheckpointStorage(CheckpointDirectory, 0));
        Assert.Contains("The number of retained checkpoints is 0; it must be 1 or more", retained.Message);
        string file = Path.Combine(Root, "a-file");
        File.WriteAllText(file, "");
        var isFile = Assert.Throws<IOException>(() => new LocalCheckpointStorage(file));
        Assert.Contains("is a file", isFile.Message);
    }

    [Fact]
    public void Checkpoint_ids_below_1_are_rejected()
    {
        var storage = NewStorage();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => storage.OpenStateWriter(0, "x.state"));
        Assert.Contains("Checkpoint ids start at 1; 0 is not a checkpoint id", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => storage.AbortCheckpoint(-1));
    }

    [Fact]
    public async Task The_same_state_name_twice_in_one_checkpoint_is_refused()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync(1, "counter-0.state", new byte[] { 1 });

        var e = await Assert.ThrowsAsync<IOException>(() => storage.WriteStateAsync(1, "counter-0.state", new byte[] { 2 }));
        Assert.Contains("Checkpoint 1 already has a state file named 'counter-0.state'", e.Message);
    }

    [Fact]
    public async Task Metadata_referencing_missing_foreign_or_unfinished_files_is_refused_and_nothing_is_completed()
    {
        var storage = NewStorage(retained: 3);
        StateHandle ok = await storage.WriteStateAsync(2, "counter-0.state", new byte[] { 1, 2, 3 });
        CheckpointMetadata With(StateHandle handle) => new(2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch,
            new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>> { [new("counter", 0)] = [handle] });

        var missing = await Assert.ThrowsAsync<ArgumentException>(
            () => storage.CompleteCheckpointAsync(With(ok with { RelativePath = "chk-2/gone.state" })));
        Assert.Contains("Checkpoint 2 cannot complete: the state handle chk-2/gone.state", missing.Message);
        Assert.Contains("of counter[0] does not exist", missing.Message);
        var foreign = await Assert.ThrowsAsync<ArgumentException>(
            () => storage.CompleteCheckpointAsync(With(ok with { RelativePath = "chk-1/counter-0.state" })));
        Assert.Contains("does not lie in this checkpoint's directory 'chk-2'", foreign.Message);
        var length = await Assert.ThrowsAsync<ArgumentException>(
            () => storage.CompleteCheckpointAsync(With(ok with { Length = 2 })));
        Assert.Contains("has 23 bytes, not the 22 its handle implies", length.Message);
        var backwards = await Assert.ThrowsAsync<ArgumentException>(() => storage.CompleteCheckpointAsync(
            With(ok) with { TriggeredAt = DateTimeOffset.UnixEpoch.AddSeconds(1) }));
        Assert.Contains("before it was triggered", backwards.Message);

        Assert.Empty(storage.ListCompletedCheckpoints());
        await storage.CompleteCheckpointAsync(With(ok));
        Assert.Equal([2L], storage.ListCompletedCheckpoints());
    }
}
