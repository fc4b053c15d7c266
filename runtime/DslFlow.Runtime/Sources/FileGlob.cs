using System.IO.Enumeration;

namespace DslFlow;

/// <summary>
/// Resolves a <see cref="FileLineSource"/> pattern: a file, a directory (its files, not its subdirectories), or a
/// glob whose segments may use <c>*</c> and <c>?</c> within a name and <c>**</c> for any number of directories.
/// </summary>
internal static class FileGlob
{
    private static readonly char[] Separators = Path.DirectorySeparatorChar == Path.AltDirectorySeparatorChar
        ? [Path.DirectorySeparatorChar]
        : [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar];

    // Follow the file system's usual case rule.
    private static readonly bool IgnoreCase = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS();

    /// <summary>The matching files' full paths, sorted ordinally.</summary>
    /// <param name="pattern">The file, directory or glob.</param>
    /// <param name="allowNoMatch">True to return no file, rather than fail, when an existing directory holds no match.</param>
    /// <exception cref="JobConfigurationException">
    /// Nothing exists at the path, the directory before the first wildcard does not exist, or (unless
    /// <paramref name="allowNoMatch"/>) no file matches. No restart cures these, so the job does not retry them.
    /// </exception>
    public static string[] Resolve(string pattern, bool allowNoMatch = false)
    {
        string full = Path.GetFullPath(pattern);
        string root = Path.GetPathRoot(full) ?? string.Empty;
        string[] segments = full[root.Length..].Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        int firstWildcard = Array.FindIndex(segments, s => s.AsSpan().IndexOfAny('*', '?') >= 0);
        string[] files = firstWildcard < 0
            ? ResolvePlain(pattern, Path.TrimEndingDirectorySeparator(full))
            : ResolveGlob(pattern, Path.Combine([root, .. segments[..firstWildcard]]), segments[firstWildcard..]);
        if (files.Length == 0 && !allowNoMatch)
        {
            throw new JobConfigurationException(
                $"FileLineSource: no file matches '{pattern}' (resolved to '{full}'). Check the pattern, or add the files " +
                "before the job starts (or set DiscoveryInterval to wait for files).");
        }
        Array.Sort(files, StringComparer.Ordinal);
        return files;
    }

    private static string[] ResolvePlain(string pattern, string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }
        if (Directory.Exists(path))
        {
            return Directory.GetFiles(path, "*", Options(recurse: false));
        }
        throw new JobConfigurationException(
            $"FileLineSource: '{pattern}' (resolved to '{path}') is neither a file nor a directory. Relative paths " +
            $"resolve against the current directory '{Environment.CurrentDirectory}'.");
    }

    private static string[] ResolveGlob(string pattern, string baseDirectory, string[] patternSegments)
    {
        if (!Directory.Exists(baseDirectory))
        {
            throw new JobConfigurationException(
                $"FileLineSource: the directory '{baseDirectory}' of pattern '{pattern}' does not exist. Relative paths " +
                $"resolve against the current directory '{Environment.CurrentDirectory}'.");
        }
        bool recurse = patternSegments.Length > 1 || patternSegments.Contains("**");
        return Directory.EnumerateFiles(baseDirectory, "*", Options(recurse))
            .Where(file => Matches(patternSegments, 0,
                Path.GetRelativePath(baseDirectory, file).Split(Separators, StringSplitOptions.RemoveEmptyEntries), 0))
            .ToArray();
    }

    /// <summary>Whether path segments <c>[s..]</c> match pattern segments <c>[p..]</c>; <c>**</c> spans zero or more.</summary>
    internal static bool Matches(string[] pattern, int p, string[] path, int s)
    {
        if (p == pattern.Length)
        {
            return s == path.Length;
        }
        if (pattern[p] == "**")
        {
            for (int skip = s; skip <= path.Length; skip++)
            {
                if (Matches(pattern, p + 1, path, skip))
                {
                    return true;
                }
            }
            return false;
        }
        return s < path.Length
            && FileSystemName.MatchesSimpleExpression(pattern[p], path[s], IgnoreCase)
            && Matches(pattern, p + 1, path, s + 1);
    }

    private static EnumerationOptions Options(bool recurse) => new()
    {
        RecurseSubdirectories = recurse,
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        MatchType = MatchType.Simple,
    };
}
