using DslFlow.Hashing;
using System.Buffers.Binary;
using System.Text;

namespace DslFlow.Checkpointing;

/// <summary>
/// The binary encoding of <see cref="CheckpointMetadata"/> (framing in <see cref="CheckpointFileFormat"/>). Body,
/// little endian: checkpoint id (int64), triggered and completed UTC ticks (int64 each), subtask count (int32), then
/// per subtask: operator id (string), subtask index (int32), handle count (int32), and per handle: checkpoint id
/// (int64), relative path (string), length (int64), checksum (uint32). Version 2 adds, after the completed ticks, the
/// job name (string), the job id (16 bytes) and the graph fingerprint (string, empty when unknown). Strings are a 7-bit-encoded length followed by
/// UTF-8 (<see cref="BinaryWriter"/>'s encoding). Subtasks are written in sorted order, so equal metadata encodes to
/// equal bytes.
/// </summary>
internal static class CheckpointMetadataCodec
{
    private const int BodyLengthSize = 4;
    private const int ChecksumSize = 4;

    public static byte[] Encode(CheckpointMetadata metadata)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(metadata.CheckpointId);
            writer.Write(metadata.TriggeredAt.UtcTicks);
            writer.Write(metadata.CompletedAt.UtcTicks);
            writer.Write(metadata.Job?.JobName ?? ""); // empty name and id: metadata written outside a job (storage tests)
            writer.Write((metadata.Job?.JobId ?? Guid.Empty).ToByteArray());
            writer.Write(metadata.GraphFingerprint ?? "");
            writer.Write(metadata.SubtaskStates.Count);
            foreach (var (subtask, handles) in metadata.SubtaskStates)
            {
                writer.Write(subtask.OperatorId);
                writer.Write(subtask.SubtaskIndex);
                writer.Write(handles.Count);
                foreach (var handle in handles)
                {
                    writer.Write(handle.CheckpointId);
                    writer.Write(handle.RelativePath);
                    writer.Write(handle.Length);
                    writer.Write(handle.Checksum);
                }
            }
        }
        int bodyLength = checked((int)body.Length);
        var file = new byte[CheckpointFileFormat.HeaderLength + BodyLengthSize + bodyLength + ChecksumSize];
        CheckpointFileFormat.WriteHeader(file, CheckpointFileFormat.MetadataMagic);
        BinaryPrimitives.WriteInt32LittleEndian(file.AsSpan(CheckpointFileFormat.HeaderLength), bodyLength);
        body.GetBuffer().AsSpan(0, bodyLength).CopyTo(file.AsSpan(CheckpointFileFormat.HeaderLength + BodyLengthSize));
        int checksumAt = file.Length - ChecksumSize;
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(checksumAt), Crc32C.Compute(file.AsSpan(0, checksumAt)));
        return file;
    }

    /// <summary>Validates and decodes a metadata file; throws <see cref="CheckpointCorruptedException"/>.</summary>
    public static CheckpointMetadata Decode(byte[] file, long expectedId, string path)
    {
        int version = CheckpointFileFormat.CheckHeader(file, CheckpointFileFormat.MetadataMagic, expectedId, path);
        int minimum = CheckpointFileFormat.HeaderLength + BodyLengthSize + ChecksumSize;
        int bodyLength = file.Length >= minimum
            ? BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(CheckpointFileFormat.HeaderLength)) : -1;
        if (file.Length < minimum || bodyLength != file.Length - minimum)
        {
            throw new CheckpointCorruptedException(expectedId, path, "has the wrong length (truncated or extended)",
                bodyLength < 0 ? $"at least {minimum} bytes" : $"{(long)minimum + bodyLength} bytes", $"{file.Length} bytes");
        }
        int checksumAt = file.Length - ChecksumSize;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(checksumAt));
        uint actual = Crc32C.Compute(file.AsSpan(0, checksumAt));
        if (stored != actual)
        {
            throw new CheckpointCorruptedException(expectedId, path, "fails its checksum",
                $"crc32c {CheckpointFileFormat.Hex(stored)}", $"crc32c {CheckpointFileFormat.Hex(actual)}");
        }
        CheckpointMetadata metadata;
        try
        {
            metadata = DecodeBody(new MemoryStream(file, minimum - ChecksumSize, bodyLength, writable: false), version);
        }
        catch (Exception ex) when (ex is EndOfStreamException or FormatException or ArgumentException or OverflowException)
        {
            throw new CheckpointCorruptedException(expectedId, path, "has a body that cannot be decoded: " + ex.Message,
                inner: ex);
        }
        if (metadata.CheckpointId != expectedId)
        {
            throw new CheckpointCorruptedException(expectedId, path, "describes a different checkpoint",
                $"checkpoint id {expectedId}", $"checkpoint id {metadata.CheckpointId}");
        }
        return metadata;
    }

    private static CheckpointMetadata DecodeBody(MemoryStream body, int version)
    {
        using var reader = new BinaryReader(body, Encoding.UTF8);
        long id = reader.ReadInt64();
        var triggeredAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        var completedAt = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
        JobIdentity? job = null;
        string? fingerprint = null;
        if (version >= 2)
        {
            string name = reader.ReadString();
            byte[] jobId = reader.ReadBytes(16);
            if (jobId.Length != 16)
            {
                throw new EndOfStreamException("The job id is cut short.");
            }
            job = name.Length == 0 && new Guid(jobId) == Guid.Empty ? null : new JobIdentity(name, new Guid(jobId));
            fingerprint = reader.ReadString() is { Length: > 0 } f ? f : null;
        }
        int subtaskCount = ReadCount(reader);
        var states = new Dictionary<OperatorSubtaskId, IReadOnlyList<StateHandle>>(subtaskCount);
        for (int i = 0; i < subtaskCount; i++)
        {
            var subtask = new OperatorSubtaskId(reader.ReadString(), reader.ReadInt32());
            int handleCount = ReadCount(reader);
            var handles = new StateHandle[handleCount];
            for (int h = 0; h < handleCount; h++)
            {
                handles[h] = new StateHandle(reader.ReadInt64(), reader.ReadString(), reader.ReadInt64(), reader.ReadUInt32());
            }
            states.Add(subtask, handles);
        }
        if (body.Position != body.Length)
        {
            throw new FormatException($"{body.Length - body.Position} bytes follow the last subtask.");
        }
        return new CheckpointMetadata(id, triggeredAt, completedAt, states) { Job = job, GraphFingerprint = fingerprint, FormatVersion = version };
    }

    // A count can never exceed the bytes left, so a damaged count cannot make the decoder allocate gigabytes.
    private static int ReadCount(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        return count >= 0 && count <= left
            ? count : throw new FormatException($"A count of {count} does not fit the {left} bytes left.");
    }
}
