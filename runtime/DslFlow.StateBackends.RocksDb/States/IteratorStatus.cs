using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.States;

/// <summary>
/// An iterator that stops on an I/O error or a corrupt block only reports <c>Valid() == false</c>, as it does at the
/// end: without asking for its status, a read would take a damaged range for a short one and drop the rest silently.
/// </summary>
internal static class IteratorStatus
{
    /// <summary>Throws RocksDB's error if the iterator stopped on one rather than at its end.</summary>
    /// <exception cref="RocksDbException">The iteration failed (RocksDB's message).</exception>
    public static void ThrowIfFailed(this Iterator iterator) => Native.Instance.rocksdb_iter_get_error(iterator.Handle);
}
