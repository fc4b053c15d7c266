using DslFlow.Serialization;

namespace DslFlow;

/// <summary>
/// Writes values of <typeparamref name="T"/> to checkpointed state and reads them back. Implementations are stateless
/// and thread-safe, so one instance serves every task; composites take their element serializers in the
/// constructor, which is what generated code emits (<c>new ListSerializer&lt;int&gt;(Int32Serializer.Instance)</c>).
/// </summary>
/// <remarks>
/// A format must be self-delimiting: <see cref="Read"/> consumes exactly the bytes <see cref="Write"/> produced, so
/// values can be concatenated without framing. Readers report damaged input with <see cref="StateFormatException"/>.
/// Register a custom implementation for a type with <see cref="SerializerAttribute"/>. A custom serializer of a
/// recursive type brackets each value with <see cref="StateWriter.EnterNested"/>/<see cref="StateWriter.ExitNested"/>
/// and the reader's pair, and one that loops over a count read from the input calls
/// <see cref="StateReader.CountElement"/> after each element, so the bounds of <see cref="StateLimits"/> hold for it too.
/// </remarks>
/// <typeparam name="T">The serialized type.</typeparam>
public interface ISerializer<T>
{
    /// <summary>Appends <paramref name="value"/> to <paramref name="writer"/>.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="value">The value to write.</param>
    void Write(ref StateWriter writer, T value);

    /// <summary>Reads one value from <paramref name="reader"/>, advancing it past the value's bytes.</summary>
    /// <param name="reader">The source.</param>
    /// <returns>The value.</returns>
    /// <exception cref="StateFormatException">The input is truncated or malformed.</exception>
    T Read(ref StateReader reader);
}
