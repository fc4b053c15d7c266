using DslFlow.Serialization;

namespace DslFlow.State.Backends;

/// <summary>One growable buffer per key group of a range, created on first write, with an entry count each.</summary>
internal sealed class GroupBuffers(KeyGroupRange range) : IDisposable
{
    private readonly StateBuffer?[] _buffers = new StateBuffer?[range.Count];
    private readonly int[] _counts = new int[range.Count];

    /// <summary>The buffer of a key group of the range.</summary>
    public StateBuffer For(int keyGroup) => _buffers[keyGroup - range.Start] ??= new StateBuffer(1024);

    /// <summary>Counts one entry written to a key group's buffer.</summary>
    public void Count(int keyGroup) => _counts[keyGroup - range.Start]++;

    /// <summary>The non-empty key groups in increasing order, each with this buffer's bytes first, then <paramref name="second"/>'s.</summary>
    public IReadOnlyList<KeyGroupBlock> Merge(GroupBuffers second)
    {
        var blocks = new List<KeyGroupBlock>();
        for (int i = 0; i < _counts.Length; i++)
        {
            int count = _counts[i] + second._counts[i];
            if (count > 0)
            {
                blocks.Add(new KeyGroupBlock(range.Start + i, count, _buffers[i]?.WrittenMemory ?? default,
                    second._buffers[i]?.WrittenMemory ?? default));
            }
        }
        return blocks;
    }

    /// <summary>The non-empty key groups in increasing order, copied out (the buffers may be disposed afterwards).</summary>
    public IReadOnlyList<KeyGroupBlock> CopyBlocks()
    {
        var blocks = new List<KeyGroupBlock>();
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] > 0)
            {
                blocks.Add(new KeyGroupBlock(range.Start + i, _counts[i], _buffers[i]!.ToArray(), default));
            }
        }
        return blocks;
    }

    public void Dispose()
    {
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i]?.Dispose();
            _buffers[i] = null;
        }
    }
}
