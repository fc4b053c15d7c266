using System.Diagnostics;
using System.Globalization;

namespace DslFlow.Checkpointing;

/// <summary>
/// The exclusive lock that lets one running job use a job folder. It is an OS lock on <c>_lock</c> (an open file
/// handle with <see cref="FileShare.None"/>: <c>flock</c> on Linux and macOS, a share lock on Windows), so the OS
/// releases it when the process dies, SIGKILL included; no stale lock file has to be cleaned up. The holder writes
/// its pid, host and start time into <c>_lock.owner</c>, read only to name it in the refusal.
/// </summary>
internal sealed class JobFolderLock : IDisposable
{
    public const string LockFileName = "_lock";
    public const string OwnerFileName = "_lock.owner";
    private readonly FileStream _handle;

    private JobFolderLock(FileStream handle) => _handle = handle;

    /// <summary>Takes the lock or throws <see cref="JobConfigurationException"/> naming the holder.</summary>
    public static JobFolderLock Acquire(string folder, string jobName)
    {
        string path = Path.Combine(folder, LockFileName);
        FileStream handle;
        try
        {
            handle = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            string owner = ReadOwner(folder);
            throw new JobConfigurationException($"Job '{jobName}' cannot start: its checkpoint folder '{folder}' is in use "
                + $"by another running job ({owner}). One folder holds the checkpoints of one running job; two jobs in it "
                + "would delete each other's checkpoints. Stop the other job, or give this one another "
                + "PipelineOptions.JobName or CheckpointingOptions.Directory.", ex);
        }
        try
        {
            using Process self = Process.GetCurrentProcess();
            File.WriteAllText(Path.Combine(folder, OwnerFileName), string.Create(CultureInfo.InvariantCulture,
                $"pid {Environment.ProcessId} on {Environment.MachineName}, started {self.StartTime.ToUniversalTime():O}, job '{jobName}'\n"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Only the message of a second job would miss it.
        }
        return new JobFolderLock(handle);
    }

    private static string ReadOwner(string folder)
    {
        try
        {
            string text = File.ReadAllText(Path.Combine(folder, OwnerFileName)).Trim();
            return text.Length == 0 ? "holder unknown" : "held by " + text;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    public void Dispose() => _handle.Dispose();
}
