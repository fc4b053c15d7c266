namespace DslFlow.State.Changelog;

/// <summary>Where a <see cref="ValueState{T}"/> facade reports its writes when the changelog is on.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal interface IValueChangeLog<T>
{
    /// <summary>The value of the key in <paramref name="slot"/> was set.</summary>
    void Set(int slot, T value);

    /// <summary>The value of the key in <paramref name="slot"/> was cleared.</summary>
    void Clear(int slot);
}

/// <summary>Where a <see cref="ListState{T}"/> facade reports its writes when the changelog is on.</summary>
/// <typeparam name="T">The element type.</typeparam>
internal interface IListChangeLog<T>
{
    /// <summary>One element was appended to the list of the key in <paramref name="slot"/>.</summary>
    void Add(int slot, T item);

    /// <summary>The elements of <paramref name="list"/> from <paramref name="from"/> on were appended.</summary>
    void AddRange(int slot, List<T> list, int from);

    /// <summary>The list was replaced; <paramref name="list"/> is its new content.</summary>
    void Update(int slot, List<T> list);

    /// <summary>The list was cleared.</summary>
    void Clear(int slot);
}

/// <summary>Where a <see cref="MapState{TKey, TValue}"/> facade reports its writes when the changelog is on.</summary>
/// <typeparam name="TKey">The map key type.</typeparam>
/// <typeparam name="TValue">The map value type.</typeparam>
internal interface IMapChangeLog<TKey, TValue>
    where TKey : notnull
{
    /// <summary>An entry was added or replaced.</summary>
    void Put(int slot, TKey key, TValue value);

    /// <summary>An entry was removed.</summary>
    void Remove(int slot, TKey key);

    /// <summary>The map was cleared.</summary>
    void Clear(int slot);
}

/// <summary>A change log that holds changes back by slot: the table flushes it before it moves its slots (growth).</summary>
internal interface IDeferredChanges
{
    /// <summary>Appends every held-back change now.</summary>
    void Flush();
}
