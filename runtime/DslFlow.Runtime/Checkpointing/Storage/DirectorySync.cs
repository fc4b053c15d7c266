using System.Runtime.InteropServices;
using System.Text;

namespace DslFlow.Checkpointing;

/// <summary>
/// fsyncs a directory, so a rename into it (or a file or folder created in it) survives a power loss, not only a
/// process crash. .NET has no API for it (a directory cannot be opened as a <see cref="FileStream"/>), hence libc calls
/// on Linux and macOS. Elsewhere, or where the file system does not sync directories (EBADF, EINVAL, ENOTSUP — as
/// PostgreSQL treats them), it is skipped: the rename is still atomic, only its durability rests on the file system. Any other
/// failure is an <see cref="IOException"/>: what was renamed may not be durable, so the caller must not build on it.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    // errno values meaning "this file system does not sync directories": EBADF, EINVAL, and ENOTSUP/EOPNOTSUPP, whose
    // numbers differ (Linux 95; macOS 45 and 102, which mean other things on Linux).
    private static readonly int[] Unsupported = OperatingSystem.IsMacOS() ? [9, 22, 45, 102] : [9, 22, 95];

    /// <summary>Test hook: called with the directory after each sync that succeeded.</summary>
    internal static event Action<string>? Synced;

    /// <exception cref="IOException">The directory could not be opened or synced.</exception>
    public static void Flush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return;
        }
        int fd;
        try
        {
            fd = Open(Encoding.UTF8.GetBytes(directory + "\0"), ReadOnly);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return;
        }
        if (fd < 0)
        {
            throw Failure(directory, "open", Marshal.GetLastPInvokeError());
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (Unsupported.Contains(errno))
                {
                    return;
                }
                throw Failure(directory, "fsync", errno);
            }
        }
        finally
        {
            _ = Close(fd);
        }
        Synced?.Invoke(directory);
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and its missing ancestors, syncing the parent of each one created, so the new
    /// folder survives a power loss along with what is later written into it.
    /// </summary>
    public static void CreateDirectory(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (Directory.Exists(directory))
        {
            return;
        }
        string? parent = Path.GetDirectoryName(directory);
        if (parent is not null)
        {
            CreateDirectory(parent);
        }
        Directory.CreateDirectory(directory);
        if (parent is not null)
        {
            Flush(parent);
        }
    }

    private static IOException Failure(string directory, string call, int errno) =>
        new($"Syncing the directory '{directory}' failed ({call}: {Marshal.GetPInvokeErrorMessage(errno)}, errno {errno}): "
            + "what was just written or renamed into it may not survive a power loss, so it is not relied on. Check the "
            + "disk and the file system (the kernel log says more); the operation is retried with the next checkpoint "
            + "or restart.");

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
