using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class DeterminismTests
{
    [Fact]
    public void The_same_value_gives_the_same_bytes_in_any_buffer()
    {
        byte[] first = SamplePayload.Bytes();
        using var reused = new StateBuffer(1);
        for (int i = 0; i < 3; i++)
        {
            reused.Reset();
            SamplePayload.Write(reused);
            Assert.Equal(first, reused.ToArray());
        }
    }

    [Fact]
    public void Equal_values_built_separately_give_the_same_bytes()
    {
        var serializer = SamplePayload.Nested;
        static Dictionary<string, List<(int, Guid)>> Build() => new()
        {
            ["x"] = [(1, new Guid(1, 2, 3, [4, 5, 6, 7, 8, 9, 10, 11]))],
            ["y"] = [],
        };
        Assert.Equal(serializer.ToBytes(Build()), serializer.ToBytes(Build()));
    }

    [Fact]
    public void The_format_is_pinned_byte_for_byte()
    {
        // A change here changes the checkpoint format: bump StateBlob.CurrentVersion and keep a reader for the old one.
        var serializer = Serializers.For<(int, string, long?, List<short>, bool)>();
        byte[] bytes = serializer.ToBytes((-2, "é", 3, [1, -1], true));
        Assert.Equal("FEFFFFFF" + "03C3A9" + "010300000000000000" + "030100FFFF" + "01", Convert.ToHexString(bytes));
    }
}
