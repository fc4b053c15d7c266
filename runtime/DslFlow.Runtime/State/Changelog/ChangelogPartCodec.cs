using DslFlow.Checkpointing;
using DslFlow.Serialization;

namespace DslFlow.State.Changelog;

/// <summary>
/// How a changelog subtask's part of a checkpoint is recorded in its task state file (a section of its own): the key
/// groups it owned, its newest materialization id, its materialization files, and its logs as ordered lists of
/// segments. Files are named by path; the checkpoint's metadata lists their handles (so the shared state registry keeps
/// them), and decoding resolves the paths through it.
/// <code>
/// byte version | varint first key group | varint last key group | varint64 materialization id
/// | varint file count | path* | varint log count | (varint segment count | (path | varint64 offset | varint length | varint64 sequence)*)*
/// </code>
/// </summary>
internal static class ChangelogPartCodec
{
    /// <summary>The format written, and the only one read.</summary>
    public const byte Version = 1;

    /// <summary>
    /// Encodes a checkpoint's changelog part and returns it with the shared files it references (to acknowledge
    /// beside the task state file), each once.
    /// </summary>
    public static (byte[] Bytes, IReadOnlyList<StateHandle> Files) Encode(KeyGroupRange owned, ChangelogCheckpoint checkpoint,
        IReadOnlyList<ChangelogSegment> log)
    {
        List<IReadOnlyList<ChangelogSegment>> logs = [.. checkpoint.Base.RestoredLogs, log];
        using var buffer = new StateBuffer(256);
        var writer = new StateWriter(buffer);
        writer.WriteByte(Version);
        writer.WriteIndex(owned.Start);
        writer.WriteIndex(owned.End);
        writer.WriteVarInt64(checkpoint.Base.MaterializationId);
        writer.WriteLength(checkpoint.Base.Files.Count);
        foreach (StateHandle file in checkpoint.Base.Files)
        {
            StringSerializer.Instance.Write(ref writer, file.RelativePath);
        }
        writer.WriteLength(logs.Count);
        foreach (IReadOnlyList<ChangelogSegment> segments in logs)
        {
            writer.WriteLength(segments.Count);
            foreach (ChangelogSegment segment in segments)
            {
                StringSerializer.Instance.Write(ref writer, segment.File.RelativePath);
                writer.WriteVarInt64(segment.Offset);
                writer.WriteLength(segment.Length);
                writer.WriteVarInt64(segment.SequenceNumber);
            }
        }
        IReadOnlyList<StateHandle> files = [.. checkpoint.Base.Files.Concat(logs.SelectMany(l => l).Select(s => s.File))
            .DistinctBy(f => f.RelativePath)];
        return (buffer.ToArray(), files);
    }

    /// <summary>Decodes a changelog part, resolving its files through the checkpoint's handles.</summary>
    /// <param name="bytes">The section's bytes.</param>
    /// <param name="handles">The checkpoint's handles by path.</param>
    /// <param name="checkpointId">The checkpoint (messages).</param>
    /// <param name="stateFile">The task state file that holds the section (messages).</param>
    /// <exception cref="CheckpointCorruptedException">The part is malformed, of an unknown version, or names a file the metadata does not list.</exception>
    public static (KeyGroupRange Owned, ChangelogRestorePart Part) Decode(ReadOnlySpan<byte> bytes,
        IReadOnlyDictionary<string, StateHandle> handles, long checkpointId, string stateFile)
    {
        try
        {
            var reader = new StateReader(bytes);
            byte version = reader.ReadByte();
            if (version != Version)
            {
                throw new CheckpointCorruptedException(checkpointId, stateFile, $"has a changelog part in format version "
                    + $"{version}, which this DslFlow does not read; restore with the version that wrote it", $"{Version}", $"{version}");
            }
            var owned = new KeyGroupRange(reader.ReadIndex(), reader.ReadIndex());
            long materializationId = reader.ReadVarInt64();
            var files = new StateHandle[reader.ReadLength()];
            for (int i = 0; i < files.Length; i++)
            {
                files[i] = Resolve(ref reader, handles, checkpointId, stateFile);
            }
            var logs = new IReadOnlyList<ChangelogSegment>[reader.ReadLength()];
            for (int l = 0; l < logs.Length; l++)
            {
                var segments = new ChangelogSegment[reader.ReadLength()];
                for (int s = 0; s < segments.Length; s++)
                {
                    StateHandle file = Resolve(ref reader, handles, checkpointId, stateFile);
                    long offset = reader.ReadVarInt64();
                    int length = reader.ReadLength();
                    segments[s] = new ChangelogSegment(file, offset, length, reader.ReadVarInt64());
                }
                logs[l] = segments;
            }
            reader.ExpectEnd();
            return (owned, new ChangelogRestorePart(files, materializationId, logs));
        }
        catch (StateFormatException ex)
        {
            throw new CheckpointCorruptedException(checkpointId, stateFile, $"has a malformed changelog part ({ex.Message})", inner: ex);
        }
    }

    private static StateHandle Resolve(ref StateReader reader, IReadOnlyDictionary<string, StateHandle> handles, long checkpointId,
        string stateFile)
    {
        string path = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a changelog file has no path");
        return handles.TryGetValue(path, out StateHandle? handle)
            ? handle
            : throw new CheckpointCorruptedException(checkpointId, stateFile, $"has a changelog part that names '{path}', which "
                + "the checkpoint's metadata does not list");
    }
}
