using System.Reflection;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>The serializer classes the generator nested in a pipeline, found by the type they serialize.</summary>
internal static class GeneratedSerializers
{
    /// <summary>The generated serializer of <typeparamref name="T"/> in <paramref name="pipeline"/>.</summary>
    public static ISerializer<T> Of<T>(Type pipeline)
    {
        Type type = pipeline.GetNestedTypes(BindingFlags.NonPublic)
            .Single(t => t.GetInterfaces().Contains(typeof(ISerializer<T>)));
        return (ISerializer<T>)type.GetField("Instance", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
    }

    /// <summary>The generated serializer of <typeparamref name="T"/> in <see cref="StateShapesPipeline"/>.</summary>
    public static ISerializer<T> Of<T>() => Of<T>(typeof(StateShapesPipeline));
}
