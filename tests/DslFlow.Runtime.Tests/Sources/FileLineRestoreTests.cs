using DslFlow.Execution;
using DslFlow.Runtime.Tests.Checkpointing.Storage;
using DslFlow.Serialization;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Sources;

using static FileSplitKit;
using static SourceTestKit;

/// <summary>
/// A restored file-line reader reads exactly the files its checkpointed splits list, whatever happened to the input
/// directory meanwhile (issue 11, defect 1): it never lists the files again to decide what to read.
/// </summary>
public sealed class FileLineRestoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_file_added_before_a_restore_at_p2_moves_no_split_and_is_logged_not_read()
    {
        _dir.Write("a.txt", Text(Lines("a", 0, 4)));
        _dir.Write("c.txt", Text(Lines("c", 0, 4)));
        var source = new FileLineSource(Path.Combine(_dir.Path, "*.txt"));
        FileLineReader first = source.CreateReader(Context(0, 2)), second = source.CreateReader(Context(1, 2));
        List<string> emitted = [.. Read(first, 1), .. Read(second, 2)];
        byte[] firstAt = PositionOf(first), secondAt = PositionOf(second);
        string added = _dir.Write("b.txt", Text(Lines("b", 0, 4))); // sorts between them: re-listing would shift c.txt to subtask 0

        var logs = new ListLogger();
        var fresh = new FileLineSource(source.Pattern); // a new process: nothing remembered but the checkpoint
        emitted.AddRange(ReadAll(fresh.RestoreReader(LoggedContext(logs, 0, 2), firstAt)));
        emitted.AddRange(ReadAll(fresh.RestoreReader(LoggedContext(logs, 1, 2), secondAt)));

        Assert.Equal([.. Lines("a", 0, 4), .. Lines("c", 0, 4)], emitted.Order(StringComparer.Ordinal));
        Assert.Single(logs.At(LogLevel.Information), l => l.Contains(added, StringComparison.Ordinal) && l.Contains("bounded", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fully_read_file_moved_away_is_skipped_at_restore()
    {
        string a = _dir.Write("a.txt", Text(Lines("a", 0, 3)));
        _dir.Write("b.txt", Text(Lines("b", 0, 3)));
        var source = new FileLineSource(_dir.Path);
        FileLineReader reader = source.CreateReader(Context());
        Assert.Equal(Lines("a", 0, 3), Read(reader, 3));
        byte[] position = PositionOf(reader);
        Directory.CreateDirectory(Path.Combine(_dir.Path, "..", "archive-" + Path.GetFileName(_dir.Path)));
        string archived = Path.Combine(_dir.Path, "..", "archive-" + Path.GetFileName(_dir.Path), "a.txt");
        File.Move(a, archived);
        try
        {
            Assert.Equal(Lines("b", 0, 3), ReadAll(new FileLineSource(_dir.Path).RestoreReader(Context(), position)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(archived)!, recursive: true);
        }
    }

    [Fact]
    public void A_batch_ends_at_its_file_so_growth_of_that_file_before_a_restore_neither_duplicates_nor_skips()
    {
        string a = _dir.Write("a.txt", Text(Lines("a", 0, 3)));
        _dir.Write("b.txt", Text(Lines("b", 0, 3)));
        var source = new FileLineSource(_dir.Path);
        FileLineReader reader = source.CreateReader(Context());
        (byte[] position, List<string> batch) = ReadBatch(reader, 5); // would span a.txt and b.txt
        Assert.Equal(Lines("a", 0, 3), batch);
        int emitted = batch.Count - 1; // the barrier came before the batch's last record went out
        File.AppendAllText(a, "a-appended\n");

        var logs = new ListLogger();
        List<string> replayed = ReadAll(new FileLineSource(_dir.Path).RestoreReader(LoggedContext(logs), position));
        List<string> all = [.. batch.Take(emitted), .. replayed.Skip(emitted)]; // the task drops the emitted ones

        Assert.Equal([.. Lines("a", 0, 3), .. Lines("b", 0, 3)], all);
        Assert.Single(logs.At(LogLevel.Information), l => l.Contains(a, StringComparison.Ordinal) && l.Contains("not read", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_truncated_below_its_checkpointed_offset_fails_the_restore_naming_the_file_and_offset()
    {
        string a = _dir.Write("a.txt", Text(Lines("a", 0, 4))); // 4 lines of 4 bytes
        _dir.Write("b.txt", Text(Lines("b", 0, 2)));
        FileLineReader reader = new FileLineSource(_dir.Path).CreateReader(Context());
        Assert.Equal(Lines("a", 0, 2), Read(reader, 2));
        byte[] position = PositionOf(reader);
        File.WriteAllText(a, "a-");

        var error = Assert.Throws<JobConfigurationException>(() => new FileLineSource(_dir.Path).RestoreReader(Context(), position));
        Assert.Contains(a, error.Message);
        Assert.Contains("truncated to 2 bytes, below the 8 bytes already read", error.Message);
        Assert.Contains("8 of its 16 bytes were read", error.Message);
        Assert.Contains("SkipChangedFiles", error.Message);

        var logs = new ListLogger();
        var skipping = new FileLineSource(_dir.Path) { SkipChangedFiles = true };
        var restored = (FileLineReader)skipping.RestoreReader(LoggedContext(logs), position);
        Assert.True(((IRestoredBatchDrop)restored).DroppedRestoredBatch); // the batch in flight came from a.txt
        Assert.Equal(Lines("b", 0, 2), ReadAll(restored));
        Assert.Single(logs.At(LogLevel.Warning), l => l.Contains(a, StringComparison.Ordinal) && l.Contains("skipped", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("shrank")]
    [InlineData("rewritten")]
    [InlineData("replaced")]
    public void A_file_not_read_to_its_end_that_changed_fails_the_restore(string change)
    {
        _dir.Write("a.txt", Text(Lines("a", 0, 2)));
        string b = _dir.Write("b.txt", Text(Lines("b", 0, 4)));
        var source = new FileLineSource(_dir.Path);
        FileLineReader reader = source.CreateReader(Context());
        Assert.Equal(Lines("a", 0, 1), Read(reader, 1));
        byte[] position = PositionOf(reader); // b.txt: 0 of 16 bytes read
        DateTime written = File.GetLastWriteTimeUtc(b);
        switch (change)
        {
            case "missing":
                File.Delete(b);
                break;
            case "shrank":
                File.WriteAllText(b, Text(Lines("b", 0, 3)));
                break;
            case "rewritten":
                File.WriteAllText(b, Text(Lines("x", 0, 4)));
                File.SetLastWriteTimeUtc(b, written.AddSeconds(5));
                break;
            case "replaced":
                if (!OperatingSystem.IsLinux())
                {
                    return; // inodes are known on Linux only
                }
                Assert.NotEqual(0UL, FileIdentity.InodeOf(b));
                string replacement = _dir.Write("b.new", Text(Lines("b", 0, 4)));
                File.SetLastWriteTimeUtc(replacement, written);
                File.Move(replacement, b, overwrite: true);
                break;
        }

        var error = Assert.Throws<JobConfigurationException>(() => new FileLineSource(_dir.Path).RestoreReader(Context(), position));
        Assert.Contains(b, error.Message);
        Assert.Contains(change switch
        {
            "missing" => "is missing",
            "shrank" => "shrank to 12 bytes, below the 16 bytes",
            "rewritten" => "was rewritten in place",
            _ => "was replaced by another file (inode",
        }, error.Message);
        Assert.Contains("0 of its 16 bytes were read", error.Message);
    }

    [Fact]
    public void A_position_of_another_format_is_refused()
    {
        _dir.Write("a.txt", "a\n");
        var source = new FileLineSource(_dir.Path);
        byte[] position = PositionOf(source.CreateReader(Context()));
        Assert.Equal(FileLineShare.FormatVersion, position[0]);
        position[0] = 2;
        var error = Assert.Throws<StateFormatException>(() => source.RestoreReader(Context(), position));
        Assert.Contains("format version 2", error.Message);
        Assert.Throws<StateFormatException>(() => source.RestoreReader(Context(), [1, 0, 0, 1])); // truncated
    }

    [Fact]
    public void A_file_grown_after_listing_is_read_to_its_listed_length_only_in_a_first_run_and_a_restart()
    {
        string a = _dir.Write("a.txt", "a1\na2\n");
        var source = new FileLineSource(a);
        Assert.Single(source.ResolveFiles()); // the first listing: a.txt has 6 bytes
        File.AppendAllText(a, "a3\n");
        Assert.Equal(["a1", "a2"], ReadAll(source.CreateReader(Context()))); // listed before the append
        Assert.Equal(["a1", "a2"], ReadAll(source.CreateReader(Context()))); // a restart without a checkpoint: same listing
        Assert.Equal(["a1", "a2", "a3"], ReadAll(new FileLineSource(a).CreateReader(Context()))); // a new first start
    }

    [Fact]
    public void A_share_whose_files_were_all_read_restores_and_ends_even_when_every_file_is_gone()
    {
        string a = _dir.Write("a.txt", "a1\n");
        var source = new FileLineSource(_dir.Path);
        FileLineReader reader = source.CreateReader(Context());
        Assert.Equal(["a1"], Read(reader, 1));
        byte[] position = PositionOf(reader);
        File.Delete(a);
        Assert.Empty(ReadAll(new FileLineSource(_dir.Path).RestoreReader(Context(), position)));
    }
}
