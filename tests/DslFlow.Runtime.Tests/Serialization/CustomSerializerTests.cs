using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class CustomSerializerTests
{
    [Serializer(typeof(PointSerializer))]
    public readonly record struct Point(int X, int Y);

    public sealed class PointSerializer : ISerializer<Point>
    {
        public void Write(ref StateWriter writer, Point value)
        {
            writer.WriteVarInt32(value.X);
            writer.WriteVarInt32(value.Y);
        }

        public Point Read(ref StateReader reader) => new(reader.ReadVarInt32(), reader.ReadVarInt32());
    }

    [Serializer(typeof(BoxSerializer<>))]
    public sealed record Box<T>(T Content);

    public sealed class BoxSerializer<T> : ISerializer<Box<T>>
    {
        private readonly ISerializer<T> _content = Serializers.For<T>();

        public void Write(ref StateWriter writer, Box<T> value) => _content.Write(ref writer, value.Content);

        public Box<T> Read(ref StateReader reader) => new(_content.Read(ref reader));
    }

    [Serializer(typeof(PointSerializer))]
    public sealed class WrongTarget;

    [Serializer(typeof(NeedsArgumentSerializer))]
    public sealed class NeedsArgument;

    public sealed class NeedsArgumentSerializer(int version) : ISerializer<NeedsArgument>
    {
        public int Version { get; } = version;

        public void Write(ref StateWriter writer, NeedsArgument value) { }

        public NeedsArgument Read(ref StateReader reader) => new();
    }

    [Serializer(typeof(ThrowingSerializer))]
    public sealed class Throwing;

    public sealed class ThrowingSerializer : ISerializer<Throwing>
    {
        public ThrowingSerializer() => throw new InvalidTimeZoneException("boom");

        public void Write(ref StateWriter writer, Throwing value) { }

        public Throwing Read(ref StateReader reader) => new();
    }

    [Fact]
    public void An_annotated_type_uses_its_serializer_alone_and_inside_composites()
    {
        ISerializer<Point> serializer = Serializers.For<Point>();
        Assert.IsType<PointSerializer>(serializer);
        Assert.Equal([0x03, 0x04], serializer.ToBytes(new Point(-2, 2)));
        RoundTrip.AssertEqual(serializer, new Point(int.MinValue, int.MaxValue));
        List<Point> points = [new(1, 2), new(-3, 4)];
        Assert.Equal(points, RoundTrip.Of(Serializers.For<List<Point>>(), points));
        Assert.Equal(new Point(5, 6), RoundTrip.Of(Serializers.For<Point?>(), new Point(5, 6)));
        Assert.IsType<PointSerializer>(CustomSerializers.Create<Point>());
    }

    [Fact]
    public void An_open_generic_serializer_is_closed_over_the_type_arguments()
    {
        var serializer = Serializers.For<Box<string>>();
        Assert.IsType<BoxSerializer<string>>(serializer);
        Assert.Equal(new Box<string>("😀"), RoundTrip.Of(serializer, new Box<string>("😀")));
    }

    [Fact]
    public void A_serializer_for_another_type_is_rejected_with_the_interface_it_should_implement()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Serializers.For<WrongTarget>());
        Assert.Contains("does not implement DslFlow.ISerializer<", e.Message);
        Assert.Contains("WrongTarget>", e.Message);
        Assert.Contains("[Serializer(typeof(", e.Message);
    }

    [Fact]
    public void A_serializer_without_a_parameterless_constructor_is_rejected()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CustomSerializers.Create<NeedsArgument>());
        Assert.Contains("has no public parameterless constructor", e.Message);
        Assert.Contains("NeedsArgumentSerializer", e.Message);
    }

    [Fact]
    public void A_throwing_constructor_is_reported_with_its_exception()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CustomSerializers.Create<Throwing>());
        Assert.Contains("threw InvalidTimeZoneException: boom", e.Message);
        Assert.IsType<InvalidTimeZoneException>(e.InnerException);
    }

    [Fact]
    public void A_type_without_the_attribute_is_named()
    {
        var e = Assert.Throws<InvalidOperationException>(() => CustomSerializers.Create<Uri>());
        Assert.Contains("'System.Uri' has no [Serializer] attribute", e.Message);
    }
}
