using System.Runtime.InteropServices;
using System.Text;

namespace DslFlow.Checkpointing;

/// <summary>
/// fsyncs a directory, so a rename into it survives a power loss, not only a process crash. .NET has no API for it
/// (a directory cannot be opened as a <see cref="FileStream"/>), hence two libc calls on Linux and macOS; elsewhere,
/// or if the calls fail, it is skipped: the rename is still atomic, only its durability rests on the file system.
/// </summary>
internal static class DirectorySync
{
    private const int ReadOnly = 0;

    public static bool TryFlush(string directory)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return false;
        }
        try
        {
            byte[] path = Encoding.UTF8.GetBytes(directory + "\0");
            int fd = Open(path, ReadOnly);
            if (fd < 0)
            {
                return false;
            }
            try
            {
                return Fsync(fd) == 0;
            }
            finally
            {
                _ = Close(fd);
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
