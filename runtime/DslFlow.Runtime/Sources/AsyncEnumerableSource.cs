namespace DslFlow;

/// <summary>
/// Emits the items of an <see cref="IAsyncEnumerable{T}"/> per subtask. The enumerable is pumped on the thread pool
/// into a bounded buffer, so the subtask never blocks on it. Not replayable: it has no position, so after a
/// failure the items are enumerated again from wherever the enumerable starts (at-least-once at best).
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class AsyncEnumerableSource<T> : ISource<T>
{
    private readonly Func<NodeContext, CancellationToken, IAsyncEnumerable<T>> _factory;
    private readonly bool _singleSubtask;
    private readonly int _capacity = 1024;

    /// <summary>
    /// One enumerable per subtask, made by <paramref name="factory"/>; it sees the subtask index in the context
    /// and a token that is cancelled when the reader is disposed or the job stops.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public AsyncEnumerableSource(Func<NodeContext, CancellationToken, IAsyncEnumerable<T>> factory)
        : this(factory ?? throw new ArgumentNullException(nameof(factory)), singleSubtask: false)
    {
    }

    private AsyncEnumerableSource(Func<NodeContext, CancellationToken, IAsyncEnumerable<T>> factory, bool singleSubtask)
    {
        _factory = factory;
        _singleSubtask = singleSubtask;
    }

    /// <summary>
    /// Wraps one enumerable; the node must run with parallelism 1 (two subtasks cannot share one enumeration).
    /// A restart enumerates it again.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is null.</exception>
    public static AsyncEnumerableSource<T> From(IAsyncEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new AsyncEnumerableSource<T>((_, _) => items, singleSubtask: true);
    }

    /// <summary>How many items the pump may read ahead of the subtask. Default 1024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int Capacity
    {
        get => _capacity;
        init => _capacity = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Capacity), value,
            $"AsyncEnumerableSource.Capacity is {value}: it must be at least 1 item. Leave it unset for the default 1024.");
    }

    /// <summary>Creates the reader of one subtask and starts pumping its enumerable.</summary>
    /// <exception cref="InvalidOperationException">The source was made by <see cref="From"/> and the node runs with parallelism above 1.</exception>
    public ISourceReader<T> CreateReader(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_singleSubtask && context.Parallelism != 1)
        {
            throw new InvalidOperationException(
                $"AsyncEnumerableSource.From wraps a single enumerable, so node '{context.NodeName}' must run with " +
                $"parallelism 1, not {context.Parallelism}. Set Parallelism = 1 on the source, or use " +
                "new AsyncEnumerableSource<T>((context, ct) => ...) to give each subtask its own enumerable.");
        }
        return new AsyncEnumerableReader<T>(_factory, context, _capacity);
    }
}
