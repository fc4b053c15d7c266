using DslFlow.Serialization;

namespace DslFlow.State.Backends;

/// <summary>
/// What a backend needs to create one keyed timer queue (<see cref="IKeyedStateBackend.GetOrCreateTimerQueue"/>): its
/// name in checkpoints, its key serializer, and the description a checkpoint records beside it. A queue's checkpoint
/// entries are <c>int32 hash, key, int64 time</c> per timer, by key group, in every backend's full snapshot.
/// </summary>
internal sealed class TimerQueueDescriptor<TKey>
    where TKey : notnull
{
    /// <param name="name">The queue's name, <c>Node.$timers.event</c> or <c>Node.$timers.processing</c>.</param>
    /// <param name="keySerializer">The node's key serializer.</param>
    public TimerQueueDescriptor(string name, ISerializer<TKey> keySerializer)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        KeySerializer = keySerializer ?? throw new ArgumentNullException(nameof(keySerializer));
        Description = StateDescriptors.Timers<TKey>(keySerializer); // names the serializer only when it is the user's
    }

    /// <summary>The queue's name in checkpoints.</summary>
    public string Name { get; }

    /// <summary>The node's key serializer.</summary>
    public ISerializer<TKey> KeySerializer { get; }

    /// <summary>What the queue holds, as checkpoints record it.</summary>
    public string Description { get; }
}
