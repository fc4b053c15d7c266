using DslFlow.Serialization;

namespace DslFlow.State.Backends;

/// <summary>The kinds of keyed state a backend holds.</summary>
internal enum KeyedStateKind
{
    /// <summary><see cref="ValueState{T}"/>: one value per key.</summary>
    Value,

    /// <summary><see cref="ListState{T}"/>: a <see cref="ListCell{T}"/> per key.</summary>
    List,

    /// <summary><see cref="MapState{TKey, TValue}"/>: a <see cref="MapCell{TKey, TValue}"/> per key.</summary>
    Map,

    /// <summary>A keyed timer queue (<see cref="Time.Timers.IKeyedTimerQueue{TKey}"/>): timers per key and time.</summary>
    Timers,
}

/// <summary>
/// What a backend needs to create one keyed state (Flink's <c>StateDescriptor</c>): its name, kind and serializers, and
/// the description a checkpoint records beside it. Serializers the generator did not pass are looked up when first used
/// (hand-written tasks).
/// </summary>
internal sealed class KeyedStateDescriptor<TKey, TValue>
    where TKey : notnull
{
    private readonly Lazy<ISerializer<TKey>> _keys;
    private readonly Lazy<ISerializer<TValue>> _values;

    public KeyedStateDescriptor(string name, KeyedStateKind kind, ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Kind = kind;
        _keys = keySerializer is null ? new(Serializers.For<TKey>) : new(keySerializer);
        _values = valueSerializer is null ? new(CreateValueSerializer) : new(valueSerializer);
        Description = kind == KeyedStateKind.Value
            ? StateDescriptors.Value<TKey, TValue>(valueSerializer)
            : StateDescriptors.Cell<TKey, TValue>(valueSerializer);
    }

    /// <summary>The state's name in checkpoints, <c>Node.parameter</c>.</summary>
    public string Name { get; }

    /// <summary>Value, list or map.</summary>
    public KeyedStateKind Kind { get; }

    /// <summary>True for list and map states, whose value is a per-key cell that may be empty.</summary>
    public bool HoldsCells => Kind != KeyedStateKind.Value;

    /// <summary>What the state holds, as checkpoints record it.</summary>
    public string Description { get; }

    public ISerializer<TKey> KeySerializer => _keys.Value;

    public ISerializer<TValue> ValueSerializer => _values.Value;

    /// <summary>A descriptor for a state whose kind follows from its value type (a list or map cell, else a value).</summary>
    public static KeyedStateDescriptor<TKey, TValue> Infer(string name, ISerializer<TKey>? keySerializer = null, ISerializer<TValue>? valueSerializer = null)
    {
        Type type = typeof(TValue);
        KeyedStateKind kind = !type.IsGenericType ? KeyedStateKind.Value
            : type.GetGenericTypeDefinition() == typeof(ListCell<>) ? KeyedStateKind.List
            : type.GetGenericTypeDefinition() == typeof(MapCell<,>) ? KeyedStateKind.Map
            : KeyedStateKind.Value;
        return new KeyedStateDescriptor<TKey, TValue>(name, kind, keySerializer, valueSerializer);
    }

    private ISerializer<TValue> CreateValueSerializer()
    {
        if (Kind == KeyedStateKind.Value)
        {
            return Serializers.For<TValue>();
        }
        Type cell = typeof(TValue);
        Type[] args = cell.GetGenericArguments();
        Type serializer = Kind == KeyedStateKind.List
            ? typeof(ListCellSerializer<>).MakeGenericType(args)
            : typeof(MapCellSerializer<,>).MakeGenericType(args);
        object[] elementSerializers = args.Select(a => (object)Serializers.For(a)).ToArray();
        return (ISerializer<TValue>)Activator.CreateInstance(serializer, elementSerializers)!;
    }
}
