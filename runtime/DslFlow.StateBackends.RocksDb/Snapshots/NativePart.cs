using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.StateBackends.RocksDb.Snapshots;

/// <summary>
/// One subtask's native part of an incremental checkpoint: the key groups it owned, its states (column families) with
/// their descriptors, its SST files as shared state files (by name in the database → handle), and its small private
/// files (MANIFEST, CURRENT, OPTIONS) inline.
/// </summary>
internal sealed record NativePart(KeyGroupRange Owned, IReadOnlyList<(string Name, string Descriptor)> States,
    IReadOnlyList<(string File, StateHandle Handle)> SstFiles, IReadOnlyList<(string File, byte[] Bytes)> PrivateFiles)
{
    /// <summary>The SST files by name, for the next checkpoint to reuse.</summary>
    public Dictionary<string, StateHandle> SstMap() => SstFiles.ToDictionary(f => f.File, f => f.Handle, StringComparer.Ordinal);
}

/// <summary>
/// How a <see cref="NativePart"/> is recorded in its task state file's section; files are named by path and resolved
/// through the checkpoint's metadata, which lists their handles (so the shared state registry keeps them).
/// <code>
/// byte version | varint first key group | varint last key group | varint state count | (name | descriptor)*
/// | varint sst count | (file | path)* | varint private count | (file | varint length | bytes)*
/// </code>
/// </summary>
internal static class NativePartCodec
{
    /// <summary>The format written, and the only one read.</summary>
    public const byte Version = 1;

    public static byte[] Encode(NativePart part)
    {
        using var buffer = new StateBuffer(1024 + part.PrivateFiles.Sum(f => f.Bytes.Length));
        var writer = new StateWriter(buffer);
        writer.WriteByte(Version);
        writer.WriteIndex(part.Owned.Start);
        writer.WriteIndex(part.Owned.End);
        writer.WriteLength(part.States.Count);
        foreach ((string name, string descriptor) in part.States)
        {
            StringSerializer.Instance.Write(ref writer, name);
            StringSerializer.Instance.Write(ref writer, descriptor);
        }
        writer.WriteLength(part.SstFiles.Count);
        foreach ((string file, StateHandle handle) in part.SstFiles)
        {
            StringSerializer.Instance.Write(ref writer, file);
            StringSerializer.Instance.Write(ref writer, handle.RelativePath);
        }
        writer.WriteLength(part.PrivateFiles.Count);
        foreach ((string file, byte[] bytes) in part.PrivateFiles)
        {
            StringSerializer.Instance.Write(ref writer, file);
            writer.WriteLength(bytes.Length);
            writer.WriteRaw(bytes);
        }
        return buffer.ToArray();
    }

    /// <exception cref="CheckpointCorruptedException">The part is malformed, of an unknown version, or names a file the metadata does not list.</exception>
    public static NativePart Decode(ReadOnlySpan<byte> bytes, IReadOnlyDictionary<string, StateHandle> handles, long checkpointId,
        string section)
    {
        try
        {
            var reader = new StateReader(bytes);
            byte version = reader.ReadByte();
            if (version != Version)
            {
                throw new CheckpointCorruptedException(checkpointId, section, $"has a RocksDB part in format version {version}, "
                    + "which this DslFlow does not read; restore with the version that wrote it", $"{Version}", $"{version}");
            }
            int first = reader.ReadIndex(), last = reader.ReadIndex();
            if (first > last || last >= 32768)
            {
                throw reader.Malformed($"its key groups [{first}..{last}] are not a range of key groups");
            }
            var owned = new KeyGroupRange(first, last);
            var states = new (string, string)[reader.ReadLength()];
            for (int i = 0; i < states.Length; i++)
            {
                states[i] = (ReadString(ref reader), ReadString(ref reader));
            }
            var ssts = new (string, StateHandle)[reader.ReadLength()];
            for (int i = 0; i < ssts.Length; i++)
            {
                string file = ReadFileName(ref reader);
                string path = ReadString(ref reader);
                ssts[i] = (file, handles.TryGetValue(path, out StateHandle? handle) ? handle : throw new CheckpointCorruptedException(
                    checkpointId, section, $"has a RocksDB part that names '{path}', which the checkpoint's metadata does not list"));
            }
            var privates = new (string, byte[])[reader.ReadLength()];
            for (int i = 0; i < privates.Length; i++)
            {
                string file = ReadFileName(ref reader);
                privates[i] = (file, reader.ReadBytes(reader.ReadLength()).ToArray());
            }
            reader.ExpectEnd();
            if (ssts.Select(f => f.Item1).Concat(privates.Select(f => f.Item1)).Distinct(StringComparer.Ordinal).Count() != ssts.Length + privates.Length
                || privates.Any(f => f.Item1.EndsWith(".sst", StringComparison.Ordinal)))
            {
                throw reader.Malformed("it names a file twice, or an SST among its inline files");
            }
            return new NativePart(owned, states, ssts, privates);
        }
        catch (StateFormatException ex)
        {
            throw new CheckpointCorruptedException(checkpointId, section, $"has a malformed RocksDB part ({ex.Message})", inner: ex);
        }
    }

    private static string ReadString(ref StateReader reader) =>
        StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a name is missing");

    // A file name from a checkpoint becomes a path on this disk: refuse anything that could leave the folder.
    private static string ReadFileName(ref StateReader reader)
    {
        string file = ReadString(ref reader);
        return file.Length > 0 && file.Length <= 255 && file.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') && file[0] != '.'
            ? file
            : throw reader.Malformed($"the file name '{file}' is not a RocksDB file name");
    }
}
