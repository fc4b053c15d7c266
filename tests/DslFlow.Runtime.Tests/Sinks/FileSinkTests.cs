using DslFlow.Runtime.Tests.Sources;
using static DslFlow.Runtime.Tests.Sinks.FileSinkTestKit;

namespace DslFlow.Runtime.Tests.Sinks;

public sealed class FileSinkTests
{
    [Fact]
    public void Without_checkpoints_each_subtask_commits_one_part_at_the_end_of_input()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<int>(directory.Path, i => $"n{i}");
        using (ISinkWriter<int> one = sink.CreateWriter(SourceTestKit.Context(1, 2)))
        using (ISinkWriter<int> zero = sink.CreateWriter(SourceTestKit.Context(0, 2)))
        {
            one.Write([3, 4]);
            zero.Write([1, 2]);
            Assert.Empty(sink.ReadCommittedLines());
            one.Flush();
            zero.Flush();
        }

        Assert.Equal(["n1", "n2", "n3", "n4"], sink.ReadCommittedLines());
        string[] visible = [.. Directory.EnumerateFiles(directory.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];
        Assert.Equal(2, visible.Length);
        Assert.All(visible, name => Assert.Matches("^part-[0-9a-f]{32}-[01]-end\\.txt$", name)); // one run id for both subtasks
        Assert.Equal(visible[0][..38], visible[1][..38]);
    }

    [Fact]
    public void Parts_become_visible_when_their_checkpoint_completes()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path);
        using var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0));
        writer.Write(["a", "b"]);
        writer.PreCommit(1);
        writer.Write(["c"]);
        writer.PreCommit(2);
        writer.PreCommit(3); // nothing written since barrier 2: no part
        Assert.Empty(sink.ReadCommittedLines());

        writer.Commit(1);
        Assert.Equal(["a", "b"], sink.ReadCommittedLines());
        writer.Commit(3);
        Assert.Equal(["a", "b", "c"], sink.ReadCommittedLines());
    }

    [Fact]
    public void Recovery_commits_what_the_restored_checkpoint_covers_and_deletes_the_rest_idempotently()
    {
        using var directory = new TempDirectory();
        var crashed = new FileSink<string>(directory.Path);
        var writer = (ITwoPhaseCommitWriter<string>)crashed.CreateWriter(Checkpointed(1));
        writer.Write(["x"]);
        writer.PreCommit(4); // checkpoint 4 completed, but the process died before the commit reached the sink
        writer.Write(["y"]);
        writer.PreCommit(5); // checkpoint 5 never completed
        writer.Write(["z"]); // not even sealed
        // The process dies here: the writer is never disposed or committed.

        var restarted = new FileSink<string>(directory.Path);
        restarted.RecoverTransactions(Restoring(4));
        restarted.RecoverTransactions(Restoring(4));

        Assert.Equal(["x"], restarted.ReadCommittedLines());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory.Path, ".pending")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(directory.Path, ".inprogress")));
        writer.Dispose();
    }

    [Fact]
    public void Starting_without_a_checkpoint_discards_every_pending_part()
    {
        using var directory = new TempDirectory();
        var sink = new FileSink<string>(directory.Path);
        using (var writer = (ITwoPhaseCommitWriter<string>)sink.CreateWriter(Checkpointed(0)))
        {
            writer.Write(["x"]);
            writer.PreCommit(1);
        }
        sink.RecoverTransactions(Restoring(null));
        Assert.Empty(sink.ReadCommittedLines());
    }

    [Fact]
    public void An_empty_directory_name_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new FileSink<int>(" "));
    }
}
