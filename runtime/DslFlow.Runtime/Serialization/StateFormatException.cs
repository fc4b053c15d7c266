using System.Runtime.Serialization;

namespace DslFlow.Serialization;

/// <summary>
/// Serialized state is truncated or malformed: it ends before a value is complete, holds a value no serializer
/// writes (an overlong varint, a boolean that is neither 0 nor 1, invalid UTF-8, values nested or counted past
/// <see cref="StateLimits"/>), or fails a blob's checksum.
/// </summary>
/// <remarks>Readers throw only this exception for bad input, never <see cref="IndexOutOfRangeException"/>.</remarks>
public sealed class StateFormatException : SerializationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="problem">What is wrong, in words.</param>
    /// <param name="offset">The byte offset in the input where the damaged value starts.</param>
    /// <param name="inner">The exception that revealed the damage, if any.</param>
    public StateFormatException(string problem, int offset, Exception? inner = null)
        : base(Messages.Sentences.End($"Serialized state is invalid at byte offset {offset}: {problem}")
            + " The data was cut short, damaged, or written by a different serializer or format version.", inner)
    {
        Problem = problem;
        Offset = offset;
    }

    /// <summary>What is wrong, without the offset.</summary>
    public string Problem { get; }

    /// <summary>The byte offset in the input where the damaged value starts.</summary>
    public int Offset { get; }
}
