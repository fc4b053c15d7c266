using System.ComponentModel;

namespace DslFlow;

/// <summary>Storage of one key's state; empty cells are left out of snapshots.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IStateCell
{
    /// <summary>True when the cell holds nothing worth keeping.</summary>
    bool IsEmpty { get; }
}
