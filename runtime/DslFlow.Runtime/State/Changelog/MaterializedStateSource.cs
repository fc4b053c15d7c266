using DslFlow.Checkpointing;
using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Changelog;

/// <summary>
/// The materialized part of a changelog restore as the wrapped backend reads it: the key-group blocks of one or more
/// materialization files (several after rescaling), read by range; only the blocks in the asked range are read.
/// </summary>
internal sealed class MaterializedStateSource : IKeyedStateSource
{
    private readonly List<StateFileReader> _files;

    public MaterializedStateSource(long checkpointId, ICheckpointStorageWorkerView storage, IEnumerable<StateHandle> files)
    {
        CheckpointId = checkpointId;
        _files = [.. files.Select(file =>
        {
            try
            {
                return StateFileReader.Open(file.Length, (offset, destination) => storage.ReadStateRange(file, offset, destination));
            }
            catch (StateFormatException ex)
            {
                throw new CheckpointCorruptedException(checkpointId, file.RelativePath, $"is not a readable materialization ({ex.Message})", inner: ex);
            }
        })];
    }

    public long CheckpointId { get; }

    /// <summary>The keyed states the materialization files hold.</summary>
    public IEnumerable<string> StateNames =>
        _files.SelectMany(f => f.Index.Sections).Where(s => s.Scope == StateScope.Keyed).Select(s => s.Name).Distinct(StringComparer.Ordinal);

    /// <summary>
    /// Refuses a materialized state whose recorded descriptor differs from what the job declares now: decoding it would
    /// fail or, worse, succeed with wrong values (the same rule as for a full checkpoint).
    /// </summary>
    /// <exception cref="JobConfigurationException">The descriptors differ.</exception>
    public void CheckDescriptor(string name, string descriptor)
    {
        foreach (StateSection section in _files.SelectMany(f => f.Index.Sections).Where(s => s.Name == name))
        {
            if (section.Descriptor is string saved && saved != descriptor)
            {
                throw new JobConfigurationException($"Checkpoint {CheckpointId} holds state '{name}' as {saved} (in a "
                    + $"changelog materialization), but the job now declares it as {descriptor}. A state's type or serializer "
                    + "cannot change across a restore yet: keep the old declaration, give the new state another parameter "
                    + "name (and set CheckpointingOptions.AllowNonRestoredState to drop the old one), or start fresh.");
            }
        }
    }

    public void ReadKeyGroups(string stateName, KeyGroupRange range, KeyGroupBlockReader restore)
    {
        foreach (StateFileReader file in _files)
        {
            foreach (StateSection section in file.Index.Sections.Where(s => s.Name == stateName && s.Scope == StateScope.Keyed))
            {
                foreach (BlockLocation block in section.Blocks.Where(b => range.Contains(b.KeyGroup)))
                {
                    restore(block.KeyGroup, block.Count, file.ReadBlock(section, block));
                }
            }
        }
    }
}
