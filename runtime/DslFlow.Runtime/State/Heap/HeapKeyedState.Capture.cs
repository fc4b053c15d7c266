using DslFlow.Serialization;
using DslFlow.State.Backends;

namespace DslFlow.State.Heap;

/// <summary>
/// Copy-on-write snapshots (the idea of Flink's <c>CopyOnWriteStateMap</c>, at entry granularity). The synchronous part
/// opens a <see cref="Capture"/> with a new epoch: O(1), whatever the state's size. From then on every entry is
/// serialized exactly once for that snapshot, by whichever side reaches it first — the asynchronous part walking the
/// table, or the task thread about to write it (<see cref="Slot"/> saves it first). Each slot's mark arbitrates:
/// <c>epoch</c> once serialized, <c>-epoch</c> while one side serializes it (the other waits; it takes one entry's
/// serialization), an older epoch or 0 while untouched; a later epoch's mark (overlapping checkpoints) means saved too. Entries are saved as bytes, so a mutable value or cell changed in
/// place later cannot leak into the snapshot.
/// </summary>
public sealed partial class HeapKeyedState<TKey, TValue>
{
    private Capture? _capture; // the snapshot being captured, if any
    private int _epoch;

    /// <summary>
    /// The synchronous part of a snapshot: freezes the current version. One capture runs at a time: the previous one, if
    /// its walk is still running (concurrent checkpoints), is completed here first by saving what it has not reached.
    /// </summary>
    internal IKeyedStateSnapshot Snapshot()
    {
        if (_capture is { } previous)
        {
            previous.SaveAll();
            EndCapture(previous);
        }
        var capture = new Capture(this, ++_epoch);
        _capture = capture;
        return capture;
    }

    /// <summary>Stops tracking writes for a capture (walked, failed, cancelled, or made complete by growth).</summary>
    private void EndCapture(Capture capture) => Interlocked.CompareExchange(ref _capture, null, capture);

    /// <summary>One snapshot of this state: the frozen version, serialized by key group.</summary>
    private sealed class Capture : IKeyedStateSnapshot
    {
        private readonly HeapKeyedState<TKey, TValue> _state;
        private readonly TKey[] _keys;
        private readonly int[] _hashes, _groups, _marks;
        private readonly TValue[] _values;
        private readonly bool[] _has;
        private readonly KeyGroupRange _range;
        private readonly GroupBuffers _walked; // written by the walk
        private readonly GroupBuffers _saved; // written by the task thread before its writes
        private bool _complete;
        private Exception? _saveFailure;
        private IReadOnlyList<KeyGroupBlock>? _blocks;

        public Capture(HeapKeyedState<TKey, TValue> state, int epoch)
        {
            _state = state;
            Epoch = epoch;
            (_keys, _hashes, _groups, _marks, _values, _has) = (state._keys, state._hashes, state._groups, state._captured, state.Values, state.HasValue);
            _range = state.Range;
            _walked = new GroupBuffers(_range);
            _saved = new GroupBuffers(_range);
        }

        public int Epoch { get; }

        public string Name => _state.StateName;

        public string Descriptor => _state._descriptor.Description;

        /// <summary>The task thread is about to write a slot: serialize its entry first unless the snapshot has it.</summary>
        public void SaveBeforeWrite(int slot)
        {
            if (Claim(slot))
            {
                try
                {
                    Write(_saved, slot);
                }
                catch (Exception ex)
                {
                    _saveFailure ??= ex; // the snapshot fails; the record goes on
                }
                finally
                {
                    Volatile.Write(ref _marks[slot], Epoch);
                }
            }
        }

        /// <summary>Saves every entry not serialized yet (the table is about to move to new arrays).</summary>
        public void SaveAll()
        {
            for (int slot = 0; slot < _marks.Length; slot++)
            {
                SaveBeforeWrite(slot);
            }
        }

        /// <summary>The asynchronous part: walks the frozen version and returns its entries by key group (once; cached).</summary>
        public IEnumerable<KeyGroupBlock> Serialize(CancellationToken cancellationToken)
        {
            if (_blocks is not null)
            {
                return _blocks;
            }
            try
            {
                for (int slot = 0; slot < _marks.Length; slot++)
                {
                    if ((slot & 4095) == 0)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                    if (Claim(slot))
                    {
                        try
                        {
                            Write(_walked, slot);
                        }
                        finally
                        {
                            Volatile.Write(ref _marks[slot], Epoch);
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new TaskStateException($"could not save keyed state '{Name}' in a checkpoint", ex);
            }
            finally
            {
                _state.EndCapture(this);
            }
            _complete = true;
            // Every mark reads Epoch now, each written after its save (release), read here (acquire): the saves are visible.
            if (_saveFailure is { } failure)
            {
                throw new TaskStateException($"could not save keyed state '{Name}' in a checkpoint", failure);
            }
            return _blocks = _walked.Merge(_saved);
        }

        public void Dispose()
        {
            _state.EndCapture(this);
            _walked.Dispose();
            if (_complete)
            {
                _saved.Dispose(); // every slot is marked: the task thread can no longer save into it
            }
            // Otherwise a save may still be in flight on the task thread: its buffers are left to the collector rather
            // than returned to the pool under it.
        }

        /// <summary>True when this side won the slot and must serialize it; false once the snapshot has it.</summary>
        private bool Claim(int slot)
        {
            ref int mark = ref _marks[slot];
            var spin = new SpinWait();
            while (true)
            {
                int seen = Volatile.Read(ref mark);
                if (seen >= Epoch || seen < -Epoch)
                {
                    // Saved, or marked by a later capture — which starts only once this one saved every entry (SaveAll in
                    // Snapshot), so the entry is in this snapshot already; claiming it again would save the newer value twice.
                    return false;
                }
                if (seen == -Epoch)
                {
                    spin.SpinOnce(); // the other side is serializing this entry
                    continue;
                }
                if (Interlocked.CompareExchange(ref mark, -Epoch, seen) == seen)
                {
                    return true;
                }
            }
        }

        private void Write(GroupBuffers destination, int slot)
        {
            int group = _groups[slot] - 1;
            if (group < 0 || !_state.Present(_has[slot], _values[slot]))
            {
                return; // free, or nothing kept: the snapshot holds no entry for it
            }
            KeyedStateDescriptor<TKey, TValue> descriptor = _state._descriptor;
            var writer = new StateWriter(destination.For(group));
            writer.WriteInt32(_hashes[slot]);
            descriptor.KeySerializer.Write(ref writer, _keys[slot]);
            descriptor.ValueSerializer.Write(ref writer, _values[slot]);
            destination.Count(group);
        }
    }
}
