using DslFlow.Checkpointing;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Messages;

/// <summary>
/// Messages that wrap another text (an inner exception's message, a problem that quotes one) end each sentence with one
/// full stop, whether or not the wrapped text ends with its own.
/// </summary>
public class WrappedMessageTests
{
    public static TheoryData<string, string, string> Wrapped => new()
    {
        {
            "a failure whose inner message ends with a full stop",
            new PipelineExecutionException("Check", 0, 2, "777", "failed", new InvalidOperationException("cannot handle 777.")).Message,
            "Node 'Check' (subtask 0 of parallelism 2) failed on record 777: InvalidOperationException: cannot handle 777. The job was cancelled."
        },
        {
            "a failure whose inner message has none",
            new PipelineExecutionException("Check", 1, 2, null, "failed", new InvalidOperationException("cannot handle 777")).Message,
            "Node 'Check' (subtask 1 of parallelism 2) failed: InvalidOperationException: cannot handle 777. The job was cancelled."
        },
        {
            "a failure wrapping a framework IOException (its messages end with a full stop)",
            new PipelineExecutionException("Lines", 0, 1, null, "failed reading", new FileNotFoundException("Could not find file '/in/a.txt'.")).Message,
            "Node 'Lines' (subtask 0 of parallelism 1) failed reading: FileNotFoundException: Could not find file '/in/a.txt'. The job was cancelled."
        },
        {
            "a failure without an inner exception",
            new PipelineExecutionException("Lines", 0, 1, null, "returned a count of 9 records for a batch of 8", null).Message,
            "Node 'Lines' (subtask 0 of parallelism 1) returned a count of 9 records for a batch of 8. The job was cancelled."
        },
        {
            "a corrupted checkpoint whose problem quotes an inner message",
            new CheckpointCorruptedException(3, "chk-3/_metadata", "has a body that cannot be decoded: Unable to read beyond the end of the stream.").Message,
            "Checkpoint 3 is corrupted: file 'chk-3/_metadata' has a body that cannot be decoded: Unable to read beyond the end of the stream. "
        },
        {
            "invalid state whose problem quotes an inner message",
            new StateFormatException("the string is not UTF-8: Unable to translate bytes [FF] at index 0.", 12).Message,
            "Serialized state is invalid at byte offset 12: the string is not UTF-8: Unable to translate bytes [FF] at index 0. The data "
        },
    };

    [Theory]
    [MemberData(nameof(Wrapped))]
    public void A_wrapped_message_ends_each_sentence_with_one_full_stop(string situation, string message, string expectedStart)
    {
        Assert.True(message.StartsWith(expectedStart, StringComparison.Ordinal), $"{situation}:\n{message}");
        Assert.DoesNotContain("..", message, StringComparison.Ordinal);
        Assert.EndsWith(".", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupted_checkpoint_says_how_to_fix_it_without_naming_a_storage_api()
    {
        string message = new CheckpointCorruptedException(3, "chk-3/t0-s0.state", "fails its checksum").Message;

        Assert.DoesNotContain("LoadLatestAsync", message, StringComparison.Ordinal);
        Assert.EndsWith("The file was damaged or changed after it was written. Restore it from a backup, or name another "
            + "checkpoint to restore (CheckpointingOptions.RestoreFrom; output that sinks committed after the one you name is "
            + "written again).", message, StringComparison.Ordinal);
    }
}
