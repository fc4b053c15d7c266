using DslFlow.Serialization;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace DslFlow.Connectors.Nats;

public sealed partial class JetStreamSink<T>
{
    /// <summary>
    /// One subtask's writer. Records become payloads as they are written; a barrier seals them as its checkpoint's
    /// transaction, kept in the writer's state until published; a completed checkpoint publishes every sealed
    /// transaction up to it and waits for the stream's acknowledgements. Without checkpoints records are published as
    /// they come (at least once).
    /// </summary>
    private sealed class Writer(JetStreamSink<T> sink, INatsJSContext js, NodeContext context) : ITwoPhaseCommitWriter<T>, ICheckpointedWriter
    {
        private readonly List<JetStreamTransaction> _sealed = [];
        private List<(string Subject, byte[] Payload)> _open = [];
        private bool _disposed;

        public void Write(ReadOnlySpan<T> records)
        {
            Func<T, string>? subjectOf = sink.SubjectOf;
            foreach (T record in records)
            {
                _open.Add((subjectOf?.Invoke(record) ?? sink.Subject, sink.Payload.Serialize(record)));
            }
            if (!context.CheckpointsEnabled)
            {
                Publish([new JetStreamTransaction(0, "", _open)], withIds: false);
                _open = [];
            }
        }

        public void WriteState(long checkpointId, ref StateWriter writer)
        {
            // The records written since the last barrier are the transaction PreCommit seals right after: the state is
            // what the sealed list will be then.
            List<JetStreamTransaction> pending = [.. _sealed];
            if (_open.Count > 0 && pending.Count > 0 && pending[^1].CheckpointId == checkpointId)
            {
                pending[^1] = pending[^1] with { Messages = [.. pending[^1].Messages, .. _open] };
            }
            else if (_open.Count > 0)
            {
                pending.Add(Seal(checkpointId, _open));
            }
            JetStreamTransaction.WriteAll(ref writer, pending, pending.Count);
        }

        public void PreCommit(long checkpointId)
        {
            if (_open.Count == 0)
            {
                return;
            }
            if (_sealed.Count > 0 && _sealed[^1].CheckpointId == checkpointId)
            {
                _sealed[^1].Messages.AddRange(_open); // the same checkpoint sealed twice (final snapshot): one transaction
                _open.Clear();
                return;
            }
            _sealed.Add(Seal(checkpointId, _open));
            _open = [];
        }

        public void Commit(long checkpointId)
        {
            List<JetStreamTransaction> due = _sealed.Where(t => t.CheckpointId <= checkpointId).ToList();
            if (due.Count == 0)
            {
                return;
            }
            Publish(due);
            _sealed.RemoveRange(0, due.Count); // sealed in checkpoint order: the due ones come first
        }

        public void Flush()
        {
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                sink._connection.Release();
            }
        }

        private JetStreamTransaction Seal(long checkpointId, List<(string, byte[])> messages) =>
            new(checkpointId, JetStreamTransaction.Prefix(context.JobId, context.SubtaskIndex, checkpointId), messages);

        /// <summary>Publishes the transactions' messages in order, up to <see cref="MaxInFlight"/> unacknowledged at once.</summary>
        /// <returns>How many the stream dropped as duplicates of messages published before (a publication again after a restore).</returns>
        internal int Publish(IReadOnlyList<JetStreamTransaction> transactions, bool withIds = true) =>
            Blocking.Wait(() => PublishAsync(transactions, withIds));

        private async Task<int> PublishAsync(IReadOnlyList<JetStreamTransaction> transactions, bool withIds)
        {
            int duplicates = 0;
            var inFlight = new Queue<ValueTask<PubAckResponse>>();
            foreach (JetStreamTransaction transaction in transactions)
            {
                for (int i = 0; i < transaction.Messages.Count; i++)
                {
                    (string subject, byte[] payload) = transaction.Messages[i];
                    var options = withIds ? new NatsJSPubOpts { MsgId = $"{transaction.IdPrefix}/{i}" } : null;
                    inFlight.Enqueue(js.PublishAsync(subject, payload, opts: options, cancellationToken: context.Cancellation));
                    if (inFlight.Count >= sink.MaxInFlight)
                    {
                        duplicates += Acknowledged(await inFlight.Dequeue().ConfigureAwait(false));
                    }
                }
            }
            while (inFlight.Count > 0)
            {
                duplicates += Acknowledged(await inFlight.Dequeue().ConfigureAwait(false));
            }
            return duplicates;
        }

        /// <summary>1 when the stream dropped the message as a duplicate of its id (the point of the ids), 0 when it stored it.</summary>
        private static int Acknowledged(PubAckResponse ack)
        {
            if (ack.Duplicate)
            {
                return 1;
            }
            ack.EnsureSuccess();
            return 0;
        }
    }
}
