using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class CompositeSerializerTests
{
    [Fact]
    public void Arrays_handle_null_empty_and_null_elements()
    {
        var strings = new ArraySerializer<string?>(StringSerializer.Instance);
        Assert.Null(RoundTrip.Of(strings, null));
        Assert.Empty(RoundTrip.Of(strings, [])!);
        Assert.Equal(new string?[] { "a", null, "", "😀" }, RoundTrip.Of(strings, ["a", null, "", "😀"])!.AsEnumerable());
        var longs = new ArraySerializer<long>(Int64Serializer.Instance);
        Assert.Equal([long.MinValue, 0, long.MaxValue], RoundTrip.Of(longs, [long.MinValue, 0, long.MaxValue])!);
    }

    [Fact]
    public void Lists_keep_order()
    {
        var serializer = new ListSerializer<int>(Int32Serializer.Instance);
        Assert.Null(RoundTrip.Of(serializer, null));
        Assert.Empty(RoundTrip.Of(serializer, [])!);
        List<int> values = [.. Enumerable.Range(-500, 1_000)];
        Assert.Equal(values, RoundTrip.Of(serializer, values));
    }

    [Fact]
    public void Dictionaries_round_trip_and_use_the_given_comparer()
    {
        var serializer = new DictionarySerializer<string, int?>(StringSerializer.Instance!,
            new NullableSerializer<int>(Int32Serializer.Instance), StringComparer.OrdinalIgnoreCase);
        Assert.Null(RoundTrip.Of(serializer, null));
        Assert.Empty(RoundTrip.Of(serializer, [])!);
        var value = new Dictionary<string, int?> { ["a"] = 1, ["B"] = null, ["😀"] = int.MaxValue };
        Dictionary<string, int?> read = RoundTrip.Of(serializer, value)!;
        Assert.Equal(value, read);
        Assert.Equal(1, read["A"]);
    }

    [Fact]
    public void A_repeated_dictionary_key_is_a_format_error()
    {
        var serializer = new DictionarySerializer<byte, byte>(ByteSerializer.Instance, ByteSerializer.Instance);
        var e = Assert.Throws<StateFormatException>(() => serializer.FromBytes([3, 7, 1, 7, 2]));
        Assert.Equal(3, e.Offset);
        Assert.Contains("repeats key '7'", e.Message);
    }

    [Fact]
    public void Key_value_pairs_and_value_tuples_of_every_arity_round_trip()
    {
        RoundTrip.AssertEqual(new KeyValuePairSerializer<string?, long>(StringSerializer.Instance, Int64Serializer.Instance),
            new KeyValuePair<string?, long>("k", long.MinValue));
        var i = Int32Serializer.Instance;
        var s = StringSerializer.Instance;
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, string?>(i, s), (1, "b"));
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, string?, int>(i, s, i), (1, null, 3));
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, int, int, int>(i, i, i, i), (1, 2, 3, 4));
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, int, int, int, int>(i, i, i, i, i), (1, 2, 3, 4, 5));
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, int, int, int, int, int>(i, i, i, i, i, i), (1, 2, 3, 4, 5, 6));
        RoundTrip.AssertEqual(new ValueTupleSerializer<int, string?, int, string?, int, string?, int>(i, s, i, s, i, s, i),
            (1, "2", 3, "4", 5, "6", int.MaxValue));
    }

    [Fact]
    public void Nested_composites_round_trip()
    {
        var serializer = Serializers.For<Dictionary<string, List<(int, Guid)>>>();
        var value = new Dictionary<string, List<(int, Guid)>>
        {
            ["empty"] = [],
            ["one"] = [(1, Guid.Parse("9b2f2c1e-0d5c-4f7e-9a51-3f6f4c2c8d10"))],
            ["𝄞 many"] = [.. Enumerable.Range(0, 50).Select(n => (n, new Guid(n, 1, 2, [3, 4, 5, 6, 7, 8, 9, 10])))],
            ["null"] = null!,
        };
        Dictionary<string, List<(int, Guid)>> read = RoundTrip.Of(serializer, value);
        Assert.Equal(value.Keys, read.Keys);
        foreach ((string key, List<(int, Guid)> list) in value)
        {
            Assert.Equal(list, read[key]);
        }
    }
}
