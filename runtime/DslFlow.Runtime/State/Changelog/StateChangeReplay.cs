using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// Replays a subtask's log onto its changelog states (Flink's <c>ChangelogBackendLogApplier</c>): metadata records
/// always (they map the log's state ids to the job's states, whatever key groups they came from), data changes only
/// for the key groups the subtask owns — which is also how a rescaled subtask picks its part out of the old subtasks'
/// logs. Changes are applied in log order.
/// </summary>
/// <param name="states">The job's states.</param>
/// <param name="owned">The key groups the subtask owns.</param>
/// <param name="checkpointId">The restored checkpoint, for messages.</param>
/// <param name="dropUndeclared">Skip the changes of states the job no longer declares (AllowNonRestoredState) instead of refusing.</param>
internal sealed class StateChangeReplay(IReadOnlyList<IChangelogState> states, KeyGroupRange owned, long checkpointId = 0,
    bool dropUndeclared = false)
{
    private readonly Dictionary<int, IChangelogState?> _byLogId = [];

    /// <summary>The refusal of a checkpoint whose keyed states the job no longer declares (the rule of a full checkpoint).</summary>
    public static JobConfigurationException Undeclared(long checkpointId, IEnumerable<string> names, string where) =>
        new($"Checkpoint {checkpointId} holds keyed state this job no longer declares: {string.Join(", ", names.Select(n => $"'{n}'"))} "
            + $"({where}). Restoring without it would drop it silently. Give the node and parameter their old names, or set "
            + "CheckpointingOptions.AllowNonRestoredState = true to restore the rest and drop it, or start fresh.");

    /// <summary>Data changes applied.</summary>
    public long Applied { get; private set; }

    /// <summary>Data changes of key groups the subtask does not own, skipped.</summary>
    public long Skipped { get; private set; }

    /// <summary>
    /// Starts a new log: a log written by another subtask (rescaling) or in another run numbers its states itself, so
    /// ids resolve only through that log's own metadata records.
    /// </summary>
    public void BeginLog() => _byLogId.Clear();

    /// <summary>Applies one change read from the log (<see cref="ChangelogFormat.ReadSection"/>).</summary>
    /// <exception cref="StateFormatException">The record is malformed, or names a state before its metadata.</exception>
    /// <exception cref="InvalidOperationException">The log's state differs in kind or type from the job's state of that name.</exception>
    public void Apply(int keyGroup, ReadOnlySpan<byte> change)
    {
        var reader = new StateReader(change);
        var operation = (StateChangeOperation)reader.ReadByte();
        int id = reader.ReadIndex();
        if (operation == StateChangeOperation.Metadata)
        {
            (string name, KeyedStateKind kind, string description) = StateChangeRecords.ReadMetadata(ref reader);
            reader.ExpectEnd();
            IChangelogState? state = states.FirstOrDefault(s => s.Name == name);
            if (state is null)
            {
                _byLogId[id] = dropUndeclared ? null : throw Undeclared(checkpointId, [name], "in the state change log");
                return;
            }
            if (state.Kind != kind || state.Description != description)
            {
                throw new InvalidOperationException($"The state change log has keyed state '{name}' as {description}, but "
                    + $"the job declares it as {state.Description}. Changing a state's type needs a savepoint with a "
                    + "migration, not a restore from a checkpoint.");
            }
            _byLogId[id] = state;
            return;
        }
        if (!owned.Contains(keyGroup))
        {
            Skipped++;
            return;
        }
        if (!_byLogId.TryGetValue(id, out IChangelogState? target))
        {
            throw reader.Malformed($"a change of state id {id} comes before that state's metadata record");
        }
        if (target is null)
        {
            Skipped++; // a state the job dropped (AllowNonRestoredState)
            return;
        }
        target.Apply(operation, keyGroup, ref reader);
        reader.ExpectEnd();
        Applied++;
    }
}

/// <summary>The metadata record of a changelog state.</summary>
internal static class StateChangeRecords
{
    /// <summary>Writes <c>Metadata | id | name | kind | description</c>.</summary>
    public static void WriteMetadata(ref StateWriter writer, int id, string name, KeyedStateKind kind, string description)
    {
        writer.WriteByte((byte)StateChangeOperation.Metadata);
        writer.WriteIndex(id);
        StringSerializer.Instance.Write(ref writer, name);
        writer.WriteByte((byte)kind);
        StringSerializer.Instance.Write(ref writer, description);
    }

    /// <summary>Reads what follows the operation and id of a metadata record.</summary>
    public static (string Name, KeyedStateKind Kind, string Description) ReadMetadata(ref StateReader reader)
    {
        string name = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed("a metadata record has no state name");
        byte kind = reader.ReadByte();
        if (kind > (byte)KeyedStateKind.Timers)
        {
            throw reader.Malformed($"state '{name}' has kind {kind}, which is not a keyed state kind");
        }
        string description = StringSerializer.Instance.Read(ref reader) ?? throw reader.Malformed($"state '{name}' has no description");
        return (name, (KeyedStateKind)kind, description);
    }

    /// <summary>Wraps a backend's state so its writes are logged under <paramref name="id"/> (or, without a log, only replayed).</summary>
    public static IChangelogState Wrap<TKey, TValue>(KeyedState<TKey, TValue> state, KeyedStateDescriptor<TKey, TValue> descriptor,
        int id, StateChangelogWriter? log)
        where TKey : notnull
    {
        Type type = descriptor.Kind switch
        {
            KeyedStateKind.Value => typeof(ChangelogValueState<,>).MakeGenericType(typeof(TKey), typeof(TValue)),
            KeyedStateKind.List => typeof(ChangelogListState<,>).MakeGenericType([typeof(TKey), .. typeof(TValue).GetGenericArguments()]),
            _ => typeof(ChangelogMapState<,,>).MakeGenericType([typeof(TKey), .. typeof(TValue).GetGenericArguments()]),
        };
        return (IChangelogState)Activator.CreateInstance(type, state, descriptor, id, log)!;
    }
}
