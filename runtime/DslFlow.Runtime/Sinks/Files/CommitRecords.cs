using System.Globalization;
using System.Text;
using DslFlow.Checkpointing;

namespace DslFlow;

/// <summary>
/// The commit records of a <see cref="FileSink{T}"/>: <c>.commits/{jobId}-{subtask}</c> holds the newest checkpoint
/// whose parts that subtask of that job run published, written durably at each commit that published a part. The
/// sink-commit guard reads them (<see cref="ITransactionalSink.LastCommittedCheckpoint"/>).
/// </summary>
internal sealed class CommitRecords(string directory)
{
    public const string FolderName = ".commits";

    private string Folder => Path.Combine(directory, FolderName);

    /// <summary>The newest checkpoint any subtask of <paramref name="jobId"/> published, or null.</summary>
    public long? Newest(Guid jobId)
    {
        if (!Directory.Exists(Folder))
        {
            return null;
        }
        long? newest = null;
        foreach (string path in Directory.EnumerateFiles(Folder, $"{jobId:N}-*"))
        {
            if (Path.GetExtension(path) != ".tmp" && Read(path) is long id && id > (newest ?? 0))
            {
                newest = id;
            }
        }
        return newest;
    }

    /// <summary>Records durably that <paramref name="subtask"/> of <paramref name="jobId"/> published <paramref name="checkpointId"/>.</summary>
    public void Record(Guid jobId, int subtask, long checkpointId)
    {
        Directory.CreateDirectory(Folder);
        string path = Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"{jobId:N}-{subtask}"));
        if (File.Exists(path) && Read(path) >= checkpointId)
        {
            return;
        }
        DurableFile.Write(path, Encoding.ASCII.GetBytes(checkpointId.ToString(CultureInfo.InvariantCulture)));
    }

    private static long? Read(string path) =>
        long.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long id) ? id : null;
}
