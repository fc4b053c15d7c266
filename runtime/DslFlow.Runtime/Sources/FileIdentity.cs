using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DslFlow;

/// <summary>
/// What a <see cref="FileLineSource"/> remembers of a file to tell, after a restore, whether it is still the file it
/// was reading: its length, its last-write time (UTC ticks) and, on Linux, its inode (0 when unknown).
/// </summary>
/// <param name="Length">The file's length in bytes.</param>
/// <param name="LastWriteTicks">The file's last-write time, UTC ticks.</param>
/// <param name="Inode">The file's inode on Linux; 0 when it could not be obtained (other systems, or a failed call).</param>
internal readonly record struct FileIdentity(long Length, long LastWriteTicks, ulong Inode)
{
    // struct stat is 144 bytes on linux-x64 and 128 on arm64; st_ino is the u64 at offset 8 on both.
    private const int StatBufferSize = 256;
    private const int InodeOffset = 8;

    /// <summary>The identity of the file at <paramref name="path"/> now, or null when no file is there.</summary>
    /// <exception cref="IOException">The file exists but cannot be inspected.</exception>
    public static FileIdentity? Of(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return null;
        }
        return new FileIdentity(info.Length, info.LastWriteTimeUtc.Ticks, InodeOf(path));
    }

    /// <summary>The inode of <paramref name="path"/> on Linux x64 and arm64; 0 when unknown.</summary>
    internal static ulong InodeOf(string path)
    {
        if (!OperatingSystem.IsLinux()
            || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return 0;
        }
        try
        {
            byte[] name = Encoding.UTF8.GetBytes(path + "\0");
            byte[] buffer = new byte[StatBufferSize];
            int result;
            try
            {
                result = Stat(name, buffer);
            }
            catch (EntryPointNotFoundException)
            {
                // glibc before 2.33 exports only __xstat (version 1 on x64, 0 on arm64).
                result = XStat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, name, buffer);
            }
            return result == 0 ? BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(InodeOffset)) : 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or MarshalDirectiveException)
        {
            return 0;
        }
    }

    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat(byte[] path, byte[] buffer);

    [DllImport("libc", EntryPoint = "__xstat", SetLastError = true)]
    private static extern int XStat(int version, byte[] path, byte[] buffer);
}
