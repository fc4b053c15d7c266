namespace DslFlow.Checkpointing;

/// <summary>
/// A checkpoint file failed validation: a wrong magic number, an unsupported format version, a length or checksum
/// that does not match, a missing file, or an undecodable body.
/// </summary>
public sealed class CheckpointCorruptedException : IOException
{
    /// <summary>Creates the exception; the message names the checkpoint, the file, and what is wrong.</summary>
    /// <param name="checkpointId">The checkpoint whose file is corrupted.</param>
    /// <param name="filePath">The file, relative to the storage directory where possible.</param>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="expected">The expected value, if the check compared one.</param>
    /// <param name="actual">The value found, if the check compared one.</param>
    /// <param name="inner">The exception that revealed the damage, if any.</param>
    public CheckpointCorruptedException(long checkpointId, string filePath, string problem, string? expected = null,
        string? actual = null, Exception? inner = null)
        : base(Format(checkpointId, filePath, problem, expected, actual), inner)
    {
        CheckpointId = checkpointId;
        FilePath = filePath;
        Problem = problem;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The checkpoint whose file is corrupted.</summary>
    public long CheckpointId { get; }

    /// <summary>The corrupted file.</summary>
    public string FilePath { get; }

    /// <summary>What is wrong, without the checkpoint and file.</summary>
    public string Problem { get; }

    /// <summary>The expected value, if the check compared one.</summary>
    public string? Expected { get; }

    /// <summary>The value found, if the check compared one.</summary>
    public string? Actual { get; }

    private static string Format(long checkpointId, string filePath, string problem, string? expected, string? actual)
    {
        string comparison = expected is null && actual is null ? "" : $" (expected {expected}, found {actual})";
        return Messages.Sentences.End($"Checkpoint {checkpointId} is corrupted: file '{filePath}' {problem}{comparison}")
            + " The file was damaged or changed after it was written. Restore it from a backup, or name another checkpoint to "
            + "restore (CheckpointingOptions.RestoreFrom; output that sinks committed after the one you name is written again).";
    }
}
