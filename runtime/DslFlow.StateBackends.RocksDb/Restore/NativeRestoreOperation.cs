using DslFlow.Checkpointing;
using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.StateBackends.RocksDb.Snapshots;
using DslFlow.StateBackends.RocksDb.States;
using RocksDbSharp;

namespace DslFlow.StateBackends.RocksDb.Restore;

/// <summary>
/// Restores a subtask from native parts (Flink's <c>RocksDBIncrementalRestoreOperation</c>): the part that overlaps the
/// subtask's key groups most becomes its database — opened from the part's files as they are, so with the same key
/// groups the next checkpoint reuses every file (the incremental history goes on); with a wider range what lies outside
/// is range-deleted — and the keys of the owned groups in every other overlapping part are copied in with bounded
/// iterators. Afterwards the database holds exactly the key groups the subtask owns.
/// </summary>
internal sealed class NativeRestoreOperation(RocksDbSubtaskDatabase database, IReadOnlyList<IRocksDbState> states, KeyGroupRange keyGroups,
    int prefixBytes, IncrementalHistory history)
{
    private const int BatchBytes = 4 << 20;

    /// <exception cref="CheckpointCorruptedException">A part or one of its files is missing or damaged.</exception>
    /// <exception cref="JobConfigurationException">A part holds a state the job no longer declares, or declares otherwise.</exception>
    /// <exception cref="TaskStateException">RocksDB refused the files; names the subtask.</exception>
    public void Run(NativeRestore restore)
    {
        List<NativePart> parts = [.. Decode(restore).Where(p => Overlap(p.Owned) > 0)];
        if (parts.Count == 0)
        {
            return;
        }
        CheckStates(restore, parts);
        NativePart best = parts.MaxBy(p => Overlap(p.Owned))!;
        string folder = database.WorkFolder("restore-base");
        try
        {
            NativePartFiles.Download(best, restore, folder);
            database.ReplaceWith(folder, [.. best.States.Select(s => s.Name)]);
        }
        catch (Exception ex) when (ex is RocksDbException or IOException or UnauthorizedAccessException
            && ex is not CheckpointCorruptedException)
        {
            RocksDbSubtaskDatabase.TryDelete(folder);
            throw new TaskStateException($"RocksDB could not open the files of checkpoint {restore.CheckpointId} for {database.Owner} "
                + $"in {folder} ({ex.Message}); check the free space of StateBackend:RocksDb:LocalDirectory", ex);
        }
        catch
        {
            RocksDbSubtaskDatabase.TryDelete(folder);
            throw;
        }
        DropUndeclared(best);
        foreach (IRocksDbState state in states)
        {
            state.Rebind();
        }
        if (best.Owned == keyGroups && parts.Count == 1)
        {
            history.Restored(best.SstMap());
            return;
        }
        history.Restored(new Dictionary<string, StateHandle>());
        DeleteOutside();
        int index = 0;
        foreach (NativePart other in parts.Where(p => !ReferenceEquals(p, best)))
        {
            CopyOwnedKeys(other, restore, database.WorkFolder($"restore-{index++}"));
        }
    }

    private static IEnumerable<NativePart> Decode(NativeRestore restore) =>
        restore.Parts.Select(bytes => NativePartCodec.Decode(bytes, restore.Handles, restore.CheckpointId, restore.SectionName));

    private int Overlap(KeyGroupRange other) =>
        Math.Max(0, Math.Min(other.End, keyGroups.End) - Math.Max(other.Start, keyGroups.Start) + 1);

    private void CheckStates(NativeRestore restore, IReadOnlyList<NativePart> parts)
    {
        var declared = states.ToDictionary(s => s.Name, s => s.DescriptorText, StringComparer.Ordinal);
        foreach ((string name, string saved) in parts.SelectMany(p => p.States))
        {
            if (declared.TryGetValue(name, out string? descriptor) && descriptor != saved)
            {
                throw new JobConfigurationException($"Checkpoint {restore.CheckpointId} holds state '{name}' as {saved} (in "
                    + $"RocksDB's files), but the job now declares it as {descriptor}. A state's type or serializer cannot change "
                    + "across a restore yet: keep the old declaration, give the new state another parameter name (and set "
                    + "CheckpointingOptions.AllowNonRestoredState to drop the old one), or start fresh.");
            }
        }
        List<string> undeclared = [.. parts.SelectMany(p => p.States).Select(s => s.Name).Distinct()
            .Where(n => !declared.ContainsKey(n)).Order(StringComparer.Ordinal)];
        if (undeclared.Count > 0 && !restore.AllowNonRestoredState)
        {
            throw StateChangeReplay.Undeclared(restore.CheckpointId, undeclared, "in RocksDB's files");
        }
    }

    private void DropUndeclared(NativePart part)
    {
        foreach ((string name, _) in part.States.Where(s => states.All(d => d.Name != s.Name)))
        {
            database.Db.DropColumnFamily(name);
        }
    }

    // Everything below the first owned key group, and from the one after the last up to 0xFF (no key-group prefix starts
    // with 0xFF: key groups are below 2^15).
    private void DeleteOutside()
    {
        byte[] first = KeyLayout.Prefix(keyGroups.Start, prefixBytes);
        byte[] after = KeyLayout.UpperBound(keyGroups.End, prefixBytes);
        byte[] end = [0xFF];
        using var batch = new WriteBatch();
        foreach (IRocksDbState state in states)
        {
            batch.DeleteRange([], 0, first, (ulong)first.Length, state.Column);
            batch.DeleteRange(after, (ulong)after.Length, end, (ulong)end.Length, state.Column);
        }
        Write(batch, "delete the key groups it no longer owns from");
    }

    private void CopyOwnedKeys(NativePart part, NativeRestore restore, string folder)
    {
        try
        {
            NativePartFiles.Download(part, restore, folder);
            using RocksDbSharp.RocksDb source = database.OpenReadOnly(folder, [.. part.States.Select(s => s.Name)]);
            int first = Math.Max(keyGroups.Start, part.Owned.Start);
            int last = Math.Min(keyGroups.End, part.Owned.End);
            foreach (IRocksDbState state in states.Where(s => part.States.Any(p => p.Name == s.Name)))
            {
                CopyRange(source, source.GetColumnFamily(state.Name), state, first, last);
            }
        }
        catch (Exception ex) when (ex is RocksDbException or IOException or UnauthorizedAccessException
            && ex is not CheckpointCorruptedException)
        {
            throw new TaskStateException($"RocksDB could not read the files of checkpoint {restore.CheckpointId} for {database.Owner} "
                + $"in {folder} ({ex.Message}); check the free space of StateBackend:RocksDb:LocalDirectory", ex);
        }
        finally
        {
            RocksDbSubtaskDatabase.TryDelete(folder);
        }
    }

    private void CopyRange(RocksDbSharp.RocksDb source, ColumnFamilyHandle column, IRocksDbState state, int first, int last)
    {
        byte[] lower = KeyLayout.Prefix(first, prefixBytes);
        byte[] upper = KeyLayout.UpperBound(last, prefixBytes);
        var options = new ReadOptions();
        options.SetIterateLowerBound(lower).SetIterateUpperBound(upper);
        using Iterator iterator = source.NewIterator(column, options);
        using var batch = new WriteBatch();
        for (iterator.Seek(lower); iterator.Valid(); iterator.Next())
        {
            batch.Put(iterator.GetKeySpan(), iterator.GetValueSpan(), state.Column);
            if (batch.AsSpan().Length >= BatchBytes)
            {
                Write(batch, "copy restored keys into");
                batch.Clear();
            }
        }
        iterator.ThrowIfFailed();
        Write(batch, "copy restored keys into");
    }

    private void Write(WriteBatch batch, string what)
    {
        try
        {
            database.Db.Write(batch, database.WriteOptions);
        }
        catch (RocksDbException ex)
        {
            throw new TaskStateException($"RocksDB could not {what} the state of {database.Owner} ({ex.Message})", ex);
        }
    }
}
