using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class SerializersLookupTests
{
    public sealed class Unsupported;

    public enum Level { Low, High }

    [Fact]
    public void Built_ins_are_the_singletons_and_lookups_are_cached()
    {
        Assert.Same(Int32Serializer.Instance, Serializers.For<int>());
        Assert.Same(StringSerializer.Instance, Serializers.For<string>());
        Assert.Same(ByteArraySerializer.Instance, Serializers.For<byte[]>());
        Assert.Same(EnumSerializer<Level>.Instance, Serializers.For<Level>());
        Assert.Same(Serializers.For<List<(int, string)>>(), Serializers.For<List<(int, string)>>());
        Assert.Same(Serializers.For<List<(int, string)>>(), Serializers.For(typeof(List<(int, string)>)));
    }

    [Fact]
    public void Known_generic_shapes_are_composed()
    {
        Assert.IsType<NullableSerializer<Level>>(Serializers.For<Level?>());
        Assert.IsType<ArraySerializer<decimal>>(Serializers.For<decimal[]>());
        Assert.IsType<DictionarySerializer<Guid, TimeSpan>>(Serializers.For<Dictionary<Guid, TimeSpan>>());
        Assert.IsType<KeyValuePairSerializer<char, DateTime>>(Serializers.For<KeyValuePair<char, DateTime>>());
        Assert.IsType<ValueTupleSerializer<int, int, int, int, int, int, int>>(Serializers.For<(int, int, int, int, int, int, int)>());
        RoundTrip.AssertEqual(Serializers.For<(Level, DateTimeOffset)>(), (Level.High, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void An_unsupported_type_names_the_type_and_how_to_fix_it_every_time()
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var e = Assert.Throws<NotSupportedException>(() => Serializers.For<Unsupported>());
            Assert.Contains("no serializer for type 'DslFlow.Runtime.Tests.Serialization.SerializersLookupTests.Unsupported'", e.Message);
            Assert.Contains("[Serializer(typeof(MySerializer))]", e.Message);
            Assert.Contains("ISerializer<DslFlow.Runtime.Tests.Serialization.SerializersLookupTests.Unsupported>", e.Message);
        }
    }

    [Fact]
    public void An_unsupported_type_inside_a_composite_names_both()
    {
        var e = Assert.Throws<NotSupportedException>(() => Serializers.For<Dictionary<string, List<Unsupported>>>());
        Assert.Contains("'DslFlow.Runtime.Tests.Serialization.SerializersLookupTests.Unsupported' (inside "
            + "'System.Collections.Generic.Dictionary<string, System.Collections.Generic.List<", e.Message);
    }

    [Fact]
    public void Other_shapes_are_unsupported()
    {
        Assert.Throws<NotSupportedException>(() => Serializers.For<object>());
        Assert.Throws<NotSupportedException>(() => Serializers.For<int[,]>());
        Assert.Throws<NotSupportedException>(() => Serializers.For<HashSet<int>>());
        var e = Assert.Throws<NotSupportedException>(() => Serializers.For<(int, int, int, int, int, int, int, int)>());
        Assert.Contains("more than 7 elements", e.Message);
    }
}
