using System.Globalization;
using System.Text;
using DslFlow.Checkpointing;

namespace DslFlow;

public sealed partial class FileSink<T>
{
    /// <summary>One subtask's writer: the in-progress file, and the parts it sealed that no completed checkpoint covers yet.</summary>
    private sealed class Writer(FileSink<T> sink, int subtask, bool checkpointsEnabled, Guid jobId, Guid run) : ITwoPhaseCommitWriter<T>
    {
        private readonly string _inProgressPath = Path.Combine(sink.Directory, InProgressFolder,
            $"{PartFileName.Prefix(run, subtask)}{Guid.NewGuid():N}.tmp");
        private readonly List<(string Path, long Checkpoint)> _sealed = [];
        private readonly int _createdAfterRecoveries = Volatile.Read(ref sink._recoveries);
        private StreamWriter? _file;
        private int _commitsSinceCompaction;
        private bool _inputEnded;

        public void Write(ReadOnlySpan<T> records)
        {
            if (_file is null)
            {
                sink.Fault("inprogress.create", _inProgressPath);
                _file = new StreamWriter(new FileStream(_inProgressPath, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024), new UTF8Encoding(false));
            }
            foreach (T record in records)
            {
                _file.Write(sink._format(record));
                _file.Write('\n');
            }
        }

        public void PreCommit(long checkpointId) =>
            Seal(Path.Combine(sink.Directory, PendingFolder), checkpointId.ToString(CultureInfo.InvariantCulture), checkpointId);

        public void Commit(long checkpointId)
        {
            long? published = null;
            foreach ((string path, long checkpoint) in _sealed.Where(p => p.Checkpoint <= checkpointId).ToList())
            {
                sink.CommitPart(path);
                _sealed.Remove((path, checkpoint));
                published = Math.Max(published ?? 0, checkpoint);
            }
            if (published is long newest && jobId != Guid.Empty)
            {
                sink.Fault("commit.record", sink.Directory);
                sink._commits.Record(jobId, subtask, newest);
            }
            if (sink._compaction is { } compaction)
            {
                _commitsSinceCompaction++;
                // The final checkpoint (after the end of input) compacts whatever is left: nothing may stay hidden.
                if (_inputEnded || _commitsSinceCompaction >= compaction.EveryCheckpoints
                    || sink.HiddenParts(run, subtask).Sum(p => new FileInfo(p.Path).Length) >= compaction.SizeThreshold)
                {
                    CompactUnlessStale();
                    _commitsSinceCompaction = 0;
                }
            }
        }

        public void Flush()
        {
            _inputEnded = true;
            if (!checkpointsEnabled)
            {
                Seal(sink.Directory, "end", checkpoint: null);
            }
        }

        public void Dispose()
        {
            _file?.Dispose();
            _file = null;
            if (sink._compaction is not null)
            {
                try
                {
                    CompactUnlessStale(); // committed parts of a cancelled or failed run become visible now, not at the next start
                }
                catch (IOException)
                {
                    // recovery compacts them when the job starts again
                }
            }
        }

        /// <summary>
        /// Compacts this subtask's hidden parts — unless a recovery ran since this writer was created: then it belongs
        /// to a cancelled attempt (an abandoned task's writer disposed late), and the parts are the next attempt's.
        /// </summary>
        private void CompactUnlessStale()
        {
            lock (sink._gate)
            {
                if (sink._recoveries == _createdAfterRecoveries)
                {
                    sink.Compact(run, subtask);
                }
            }
        }

        /// <summary>
        /// Syncs the in-progress file and renames it into <paramref name="folder"/> as the part named after
        /// <paramref name="suffix"/>; a pending part (<paramref name="checkpoint"/> set) waits for its commit.
        /// </summary>
        private void Seal(string folder, string suffix, long? checkpoint)
        {
            if (_file is null)
            {
                return; // nothing written since the last barrier: no part
            }
            _file.Flush();
            ((FileStream)_file.BaseStream).Flush(flushToDisk: true);
            _file.Dispose();
            _file = null;
            string target = Path.Combine(folder, sink.FreePartName(PartFileName.Prefix(run, subtask) + suffix));
            sink.Fault("seal", target);
            File.Move(_inProgressPath, target);
            DirectorySync.Flush(folder);
            if (checkpoint is long id)
            {
                _sealed.Add((target, id));
            }
        }
    }
}
