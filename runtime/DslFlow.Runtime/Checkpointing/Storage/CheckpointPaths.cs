using System.Globalization;

namespace DslFlow.Checkpointing;

/// <summary>
/// Names and paths inside a checkpoint directory, and the guard that keeps every path the storage touches inside it:
/// checkpoint directories are exactly <c>chk-{id}</c>, state names are plain file names, and every resolved path is
/// checked to lie under the root. The storage deletes only paths this class produced.
/// </summary>
internal sealed class CheckpointPaths
{
    public const string MetadataFileName = "_metadata";
    public const string MetadataTempFileName = "_metadata.inprogress";
    public const int MaxStateNameLength = 200;
    public const string SharedDirectoryName = "shared";
    public const int MaxSharedNameLength = MaxStateNameLength - SharedSuffixLength;
    private const int SharedSuffixLength = 33; // "-" and 32 hex digits
    private const string SharedTempSuffix = ".inprogress";
    private const string DirectoryPrefix = "chk-";
    private const string DeletionPrefix = ".deleting-";

    public CheckpointPaths(string root)
    {
        Root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootPrefix = Path.EndsInDirectorySeparator(Root) ? Root : Root + Path.DirectorySeparatorChar;
    }

    private readonly string _rootPrefix;

    /// <summary>The absolute storage directory, without a trailing separator.</summary>
    public string Root { get; }

    public static string DirectoryName(long checkpointId) =>
        DirectoryPrefix + checkpointId.ToString(CultureInfo.InvariantCulture);

    public static string RelativeStatePath(long checkpointId, string name) => DirectoryName(checkpointId) + "/" + name;

    public static string RelativeMetadataPath(long checkpointId) => DirectoryName(checkpointId) + "/" + MetadataFileName;

    public string CheckpointDirectory(long checkpointId) => Inside(Path.Combine(Root, DirectoryName(checkpointId)));

    /// <summary>Where a checkpoint directory is renamed to before it is deleted (outside the <c>chk-{id}</c> names).</summary>
    public string DeletionDirectory(long checkpointId) =>
        Inside(Path.Combine(Root, DeletionPrefix + DirectoryName(checkpointId) + "-" + Guid.NewGuid().ToString("N")[..8]));

    /// <summary>Directories renamed for deletion that a crash left behind.</summary>
    public IReadOnlyList<string> ListDeletionDirectories() =>
        Directory.Exists(Root) ? [.. Directory.EnumerateDirectories(Root, DeletionPrefix + DirectoryPrefix + "*")] : [];

    public string MetadataFile(long checkpointId) => Path.Combine(CheckpointDirectory(checkpointId), MetadataFileName);

    public string StateFile(long checkpointId, string name) => Inside(Path.Combine(CheckpointDirectory(checkpointId), name));

    /// <summary>The checkpoint id of a directory name, or null unless the name is exactly <c>chk-{id}</c>, id ≥ 1.</summary>
    public static long? ParseDirectoryName(string name) =>
        name.StartsWith(DirectoryPrefix, StringComparison.Ordinal)
        && long.TryParse(name.AsSpan(DirectoryPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out long id)
        && id >= 1 && DirectoryName(id) == name ? id : null;

    /// <summary>The <c>shared/</c> area: files that several checkpoints may reference.</summary>
    public string SharedDirectory => Inside(Path.Combine(Root, SharedDirectoryName));

    /// <summary>A fresh, collision-free shared file name: the caller's name and a random suffix.</summary>
    public static string NewSharedFileName(string name) => name + "-" + Guid.NewGuid().ToString("N");

    public static string RelativeSharedPath(string fileName) => SharedDirectoryName + "/" + fileName;

    public string SharedFile(string fileName) => Inside(Path.Combine(SharedDirectory, fileName));

    /// <summary>Where a shared file is written before its rename; the leading '.' keeps it out of every valid name.</summary>
    public string SharedTempFile(string fileName) => Inside(Path.Combine(SharedDirectory, "." + fileName + SharedTempSuffix));

    /// <summary>Whether <c>shared/{file}</c> is a temporary file of a shared write (<see cref="SharedTempFile"/>).</summary>
    public bool IsSharedTempFile(string relativePath)
    {
        string file = relativePath[(SharedDirectoryName.Length + 1)..];
        return file.Length > 1 + SharedTempSuffix.Length && file[0] == '.' && file.EndsWith(SharedTempSuffix, StringComparison.Ordinal)
            && ProblemWithStateName(file[1..^SharedTempSuffix.Length]) is null;
    }

    /// <summary>The shared file name of a relative path <c>shared/{name}</c>, or null for any other shape.</summary>
    public static string? ParseSharedPath(string relativePath)
    {
        string[] parts = relativePath.Split('/');
        return parts.Length == 2 && parts[0] == SharedDirectoryName && ProblemWithStateName(parts[1]) is null ? parts[1] : null;
    }

    /// <summary>The relative paths (<c>shared/{name}</c>) of every file in the shared area, temporary ones included.</summary>
    public IReadOnlyList<string> ListSharedFiles() => Directory.Exists(SharedDirectory)
        ? [.. Directory.EnumerateFiles(SharedDirectory).Select(path => RelativeSharedPath(Path.GetFileName(path)))
            .Order(StringComparer.Ordinal)]
        : [];

    /// <summary>Every <c>chk-{id}</c> directory, newest (highest id) first.</summary>
    public IReadOnlyList<long> ListCheckpointDirectories()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return [.. Directory.EnumerateDirectories(Root)
            .Select(path => ParseDirectoryName(Path.GetFileName(path)))
            .OfType<long>()
            .OrderDescending()];
    }

    /// <summary>Why a state name is rejected, or null when it is a valid plain file name.</summary>
    public static string? ProblemWithStateName(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }
        if (name.Length > MaxStateNameLength)
        {
            return $"it is {name.Length} characters long (at most {MaxStateNameLength})";
        }
        if (name[0] is '.' or '_')
        {
            return $"it starts with '{name[0]}' (reserved for '..', hidden files, '{MetadataFileName}' and temporary files)";
        }
        int bad = name.AsSpan().IndexOfAnyExcept("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        return bad < 0 ? null : $"it contains '{name[bad]}' at position {bad} (path separators and other characters "
            + "could place the file outside its checkpoint directory)";
    }

    /// <summary>
    /// Resolves a handle's path: <c>chk-{id}/{name}</c> with id = <paramref name="checkpointId"/>, or a shared file
    /// <c>shared/{name}</c>; null for anything else (another checkpoint's directory, traversal, nesting).
    /// </summary>
    public string? TryResolveHandlePath(string relativePath, long checkpointId)
    {
        if (ParseSharedPath(relativePath) is string shared)
        {
            return checkpointId >= 1 ? SharedFile(shared) : null;
        }
        string? path = TryResolveStatePath(relativePath, out long owner);
        return owner == checkpointId ? path : null;
    }

    /// <summary>
    /// Resolves a handle's relative path (<c>chk-{id}/{name}</c>) to an absolute path inside the root; null when the
    /// path has any other shape, so a damaged or forged handle can never make the storage read outside its directory.
    /// </summary>
    public string? TryResolveStatePath(string relativePath, out long checkpointId)
    {
        checkpointId = 0;
        string[] parts = relativePath.Split('/');
        if (parts.Length != 2 || ParseDirectoryName(parts[0]) is not long id || ProblemWithStateName(parts[1]) is not null)
        {
            return null;
        }
        checkpointId = id;
        return StateFile(id, parts[1]);
    }

    // Belt and braces: every name is validated before it gets here; this catches a mistake in that validation.
    private string Inside(string path)
    {
        string full = Path.GetFullPath(path);
        return full.StartsWith(_rootPrefix, StringComparison.Ordinal)
            ? full : throw new InvalidOperationException($"The path '{full}' lies outside the checkpoint directory '{Root}'.");
    }
}
