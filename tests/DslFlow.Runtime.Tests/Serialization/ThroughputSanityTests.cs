using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>A volume check, not a timing one: timing goals live in bench/.</summary>
public class ThroughputSanityTests
{
    [Fact]
    public void Many_records_in_one_buffer_read_back_with_the_same_checksum()
    {
        var serializer = Serializers.For<(long, string, double, List<int>)>();
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        long expected = 0;
        const int count = 200_000;
        for (int i = 0; i < count; i++)
        {
            var record = ((long)i * 7919, $"key-{i % 1000}", i / 3.0, i % 10 == 0 ? [i, -i] : new List<int>());
            expected += Checksum(record);
            serializer.Write(ref writer, record);
        }
        var reader = new StateReader(buffer.WrittenSpan);
        long actual = 0;
        for (int i = 0; i < count; i++)
        {
            actual += Checksum(serializer.Read(ref reader));
        }
        reader.ExpectEnd();
        Assert.Equal(expected, actual);
    }

    private static long Checksum((long Id, string Key, double Ratio, List<int> Values) record) =>
        record.Id ^ (long)StableHash.Of(record.Key) ^ BitConverter.DoubleToInt64Bits(record.Ratio) ^ record.Values.Sum();
}
