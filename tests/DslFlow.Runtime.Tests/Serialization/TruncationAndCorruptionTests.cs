using DslFlow.Serialization;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Serialization;

public class TruncationAndCorruptionTests(ITestOutputHelper output)
{
    [Fact]
    public void The_sample_payload_reads_back()
    {
        byte[] bytes = SamplePayload.Bytes();
        Assert.StartsWith("3 (True, 200, -100, -32768, 65535, 4294967295, 18446744073709551615)", SamplePayload.Read(bytes));
    }

    [Fact]
    public void Truncation_at_every_byte_offset_throws_only_the_format_exception()
    {
        byte[] bytes = SamplePayload.Bytes();
        for (int length = 0; length < bytes.Length; length++)
        {
            byte[] prefix = bytes[..length];
            Exception? e = Record.Exception(() => SamplePayload.Read(prefix));
            Assert.True(e is StateFormatException, $"cut at {length} of {bytes.Length}: {e?.GetType().Name ?? "no exception"} {e?.Message}");
        }
    }

    [Fact]
    public void Truncation_of_a_blob_at_every_byte_offset_throws_only_the_format_exception()
    {
        using var buffer = new StateBuffer();
        StateBlob.Write(buffer, SamplePayload.Bytes());
        byte[] blob = buffer.ToArray();
        for (int length = 0; length < blob.Length; length++)
        {
            byte[] prefix = blob[..length];
            Exception? e = Record.Exception(() => SamplePayload.Read(StateBlob.Read(prefix)));
            Assert.True(e is StateFormatException, $"cut at {length}: {e?.GetType().Name ?? "no exception"} {e?.Message}");
        }
    }

    [Fact]
    public void Random_corruption_either_reads_or_throws_only_the_format_exception()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed: {seed}");
        var random = new Random(seed);
        byte[] original = SamplePayload.Bytes();
        for (int round = 0; round < 5_000; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            Exception? e = Record.Exception(() => SamplePayload.Read(bytes));
            Assert.True(e is null or StateFormatException,
                $"seed {seed}, round {round}: {e?.GetType().Name} {e?.Message}\n{Convert.ToHexString(bytes)}");
        }
    }
}
