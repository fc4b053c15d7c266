namespace DslFlow.State.Changelog;

/// <summary>What one change record does (Flink's <c>StateChangeOperation</c> codes, so the two logs read alike).</summary>
internal enum StateChangeOperation : byte
{
    /// <summary>The key's value, list or map is removed.</summary>
    Clear = 0,

    /// <summary>The key's value (value state) or whole list (list state) is replaced.</summary>
    Set = 1,

    /// <summary>Elements are appended to the key's list: a count, then the elements.</summary>
    Add = 3,

    /// <summary>A timer is registered for the key: its time.</summary>
    AddElement = 4,

    /// <summary>One entry of the key's map is added or replaced: map key, value.</summary>
    AddOrUpdateElement = 6,

    /// <summary>One entry of the key's map is removed: map key; or the key's timer is deleted or fired: its time.</summary>
    RemoveElement = 7,

    /// <summary>A state's id, name, kind and description; logged before its first change in each log segment.</summary>
    Metadata = 9,
}
