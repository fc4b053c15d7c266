namespace DslFlow.Checkpointing;

/// <summary>
/// Small files that must survive a crash whole or not at all: written to a temporary name, fsynced, renamed over the
/// target in one step, and the directory fsynced so the rename itself is durable.
/// </summary>
internal static class DurableFile
{
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        string directory = Path.GetDirectoryName(path)!;
        string temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        DirectorySync.Flush(directory);
    }

    /// <summary>Deletes a file and makes the deletion durable; false when it was not there.</summary>
    public static bool Delete(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        DirectorySync.Flush(Path.GetDirectoryName(path)!);
        return true;
    }
}
