namespace DslFlow.Serialization;

/// <summary>Serializes a value tuple of 2 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2> : ISerializer<ValueTuple<T1, T2>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        return (item1, item2);
    }
}

/// <summary>Serializes a value tuple of 3 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
/// <typeparam name="T3">The type of the third element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2, T3> : ISerializer<ValueTuple<T1, T2, T3>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;
    private readonly ISerializer<T3> _item3;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    /// <param name="item3">The serializer of the third element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2, ISerializer<T3> item3)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
        _item3 = item3 ?? throw new ArgumentNullException(nameof(item3));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2, T3> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
        _item3.Write(ref writer, value.Item3);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2, T3> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        T3 item3 = _item3.Read(ref reader);
        return (item1, item2, item3);
    }
}

/// <summary>Serializes a value tuple of 4 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
/// <typeparam name="T3">The type of the third element.</typeparam>
/// <typeparam name="T4">The type of the fourth element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2, T3, T4> : ISerializer<ValueTuple<T1, T2, T3, T4>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;
    private readonly ISerializer<T3> _item3;
    private readonly ISerializer<T4> _item4;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    /// <param name="item3">The serializer of the third element.</param>
    /// <param name="item4">The serializer of the fourth element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2, ISerializer<T3> item3, ISerializer<T4> item4)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
        _item3 = item3 ?? throw new ArgumentNullException(nameof(item3));
        _item4 = item4 ?? throw new ArgumentNullException(nameof(item4));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2, T3, T4> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
        _item3.Write(ref writer, value.Item3);
        _item4.Write(ref writer, value.Item4);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2, T3, T4> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        T3 item3 = _item3.Read(ref reader);
        T4 item4 = _item4.Read(ref reader);
        return (item1, item2, item3, item4);
    }
}

/// <summary>Serializes a value tuple of 5 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
/// <typeparam name="T3">The type of the third element.</typeparam>
/// <typeparam name="T4">The type of the fourth element.</typeparam>
/// <typeparam name="T5">The type of the fifth element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2, T3, T4, T5> : ISerializer<ValueTuple<T1, T2, T3, T4, T5>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;
    private readonly ISerializer<T3> _item3;
    private readonly ISerializer<T4> _item4;
    private readonly ISerializer<T5> _item5;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    /// <param name="item3">The serializer of the third element.</param>
    /// <param name="item4">The serializer of the fourth element.</param>
    /// <param name="item5">The serializer of the fifth element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2, ISerializer<T3> item3, ISerializer<T4> item4, ISerializer<T5> item5)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
        _item3 = item3 ?? throw new ArgumentNullException(nameof(item3));
        _item4 = item4 ?? throw new ArgumentNullException(nameof(item4));
        _item5 = item5 ?? throw new ArgumentNullException(nameof(item5));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2, T3, T4, T5> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
        _item3.Write(ref writer, value.Item3);
        _item4.Write(ref writer, value.Item4);
        _item5.Write(ref writer, value.Item5);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2, T3, T4, T5> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        T3 item3 = _item3.Read(ref reader);
        T4 item4 = _item4.Read(ref reader);
        T5 item5 = _item5.Read(ref reader);
        return (item1, item2, item3, item4, item5);
    }
}

/// <summary>Serializes a value tuple of 6 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
/// <typeparam name="T3">The type of the third element.</typeparam>
/// <typeparam name="T4">The type of the fourth element.</typeparam>
/// <typeparam name="T5">The type of the fifth element.</typeparam>
/// <typeparam name="T6">The type of the sixth element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2, T3, T4, T5, T6> : ISerializer<ValueTuple<T1, T2, T3, T4, T5, T6>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;
    private readonly ISerializer<T3> _item3;
    private readonly ISerializer<T4> _item4;
    private readonly ISerializer<T5> _item5;
    private readonly ISerializer<T6> _item6;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    /// <param name="item3">The serializer of the third element.</param>
    /// <param name="item4">The serializer of the fourth element.</param>
    /// <param name="item5">The serializer of the fifth element.</param>
    /// <param name="item6">The serializer of the sixth element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2, ISerializer<T3> item3, ISerializer<T4> item4, ISerializer<T5> item5, ISerializer<T6> item6)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
        _item3 = item3 ?? throw new ArgumentNullException(nameof(item3));
        _item4 = item4 ?? throw new ArgumentNullException(nameof(item4));
        _item5 = item5 ?? throw new ArgumentNullException(nameof(item5));
        _item6 = item6 ?? throw new ArgumentNullException(nameof(item6));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2, T3, T4, T5, T6> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
        _item3.Write(ref writer, value.Item3);
        _item4.Write(ref writer, value.Item4);
        _item5.Write(ref writer, value.Item5);
        _item6.Write(ref writer, value.Item6);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2, T3, T4, T5, T6> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        T3 item3 = _item3.Read(ref reader);
        T4 item4 = _item4.Read(ref reader);
        T5 item5 = _item5.Read(ref reader);
        T6 item6 = _item6.Read(ref reader);
        return (item1, item2, item3, item4, item5, item6);
    }
}

/// <summary>Serializes a value tuple of 7 elements: each element in order, with no framing.</summary>
/// <typeparam name="T1">The type of the first element.</typeparam>
/// <typeparam name="T2">The type of the second element.</typeparam>
/// <typeparam name="T3">The type of the third element.</typeparam>
/// <typeparam name="T4">The type of the fourth element.</typeparam>
/// <typeparam name="T5">The type of the fifth element.</typeparam>
/// <typeparam name="T6">The type of the sixth element.</typeparam>
/// <typeparam name="T7">The type of the seventh element.</typeparam>
public sealed class ValueTupleSerializer<T1, T2, T3, T4, T5, T6, T7> : ISerializer<ValueTuple<T1, T2, T3, T4, T5, T6, T7>>
{
    private readonly ISerializer<T1> _item1;
    private readonly ISerializer<T2> _item2;
    private readonly ISerializer<T3> _item3;
    private readonly ISerializer<T4> _item4;
    private readonly ISerializer<T5> _item5;
    private readonly ISerializer<T6> _item6;
    private readonly ISerializer<T7> _item7;

    /// <summary>Creates the serializer from the element serializers, in order.</summary>
    /// <param name="item1">The serializer of the first element.</param>
    /// <param name="item2">The serializer of the second element.</param>
    /// <param name="item3">The serializer of the third element.</param>
    /// <param name="item4">The serializer of the fourth element.</param>
    /// <param name="item5">The serializer of the fifth element.</param>
    /// <param name="item6">The serializer of the sixth element.</param>
    /// <param name="item7">The serializer of the seventh element.</param>
    public ValueTupleSerializer(ISerializer<T1> item1, ISerializer<T2> item2, ISerializer<T3> item3, ISerializer<T4> item4, ISerializer<T5> item5, ISerializer<T6> item6, ISerializer<T7> item7)
    {
        _item1 = item1 ?? throw new ArgumentNullException(nameof(item1));
        _item2 = item2 ?? throw new ArgumentNullException(nameof(item2));
        _item3 = item3 ?? throw new ArgumentNullException(nameof(item3));
        _item4 = item4 ?? throw new ArgumentNullException(nameof(item4));
        _item5 = item5 ?? throw new ArgumentNullException(nameof(item5));
        _item6 = item6 ?? throw new ArgumentNullException(nameof(item6));
        _item7 = item7 ?? throw new ArgumentNullException(nameof(item7));
    }

    /// <inheritdoc/>
    public void Write(ref StateWriter writer, ValueTuple<T1, T2, T3, T4, T5, T6, T7> value)
    {
        _item1.Write(ref writer, value.Item1);
        _item2.Write(ref writer, value.Item2);
        _item3.Write(ref writer, value.Item3);
        _item4.Write(ref writer, value.Item4);
        _item5.Write(ref writer, value.Item5);
        _item6.Write(ref writer, value.Item6);
        _item7.Write(ref writer, value.Item7);
    }

    /// <inheritdoc/>
    public ValueTuple<T1, T2, T3, T4, T5, T6, T7> Read(ref StateReader reader)
    {
        T1 item1 = _item1.Read(ref reader);
        T2 item2 = _item2.Read(ref reader);
        T3 item3 = _item3.Read(ref reader);
        T4 item4 = _item4.Read(ref reader);
        T5 item5 = _item5.Read(ref reader);
        T6 item6 = _item6.Read(ref reader);
        T7 item7 = _item7.Read(ref reader);
        return (item1, item2, item3, item4, item5, item6, item7);
    }
}
