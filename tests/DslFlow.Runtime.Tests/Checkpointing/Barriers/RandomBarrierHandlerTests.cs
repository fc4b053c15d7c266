using DslFlow.Checkpointing;
using Xunit.Abstractions;

namespace DslFlow.Runtime.Tests.Checkpointing.Barriers;

/// <summary>
/// Seeded random event orders at one handler (barriers in order and overtaking, cancel markers, aborts, ends of input,
/// timeouts), as a channel could really deliver them (per channel ids increase; a blocked channel delivers only
/// overtaking events; a forward channel never overtakes). After every event: no channel stays blocked between two
/// checkpoints, a checkpoint is snapshotted and acknowledged at most once, never after its cancel, an unaligned one is
/// acknowledged with the state of every live channel exactly once, and none waits once every live channel delivered.
/// </summary>
public class RandomBarrierHandlerTests(ITestOutputHelper output)
{
    public static TheoryData<string> Modes => new() { "aligned", "at-least-once", "unaligned", "timeout" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Random_event_orders_keep_the_handler_invariants(string mode)
    {
        var visited = new HashSet<string>();
        for (int seed = 1; seed <= 2000; seed++)
        {
            try
            {
                Run(mode, seed, visited);
            }
            catch (Exception)
            {
                output.WriteLine($"mode {mode}, seed {seed}");
                throw;
            }
        }
        output.WriteLine($"states visited: {string.Join(", ", visited.Order())}");
        string[] expected = mode switch
        {
            "unaligned" => [nameof(WaitingForAlignedChannels), nameof(CollectingBarriersUnaligned)],
            "timeout" => [nameof(AlternatingCollectingBarriers), nameof(WaitingForAlignedChannels), nameof(CollectingBarriersUnaligned)],
            "at-least-once" => [nameof(TrackingBarriers)],
            _ => [nameof(CollectingBarriers)],
        };
        Assert.All(expected, e => Assert.Contains(e, visited)); // the generator reaches every state of the mode
    }

    private static void Run(string mode, int seed, HashSet<string> visited)
    {
        var random = new Random(seed);
        int n = random.Next(1, 4);
        CheckpointAlignment alignment = mode switch
        {
            "aligned" => CheckpointAlignment.Aligned,
            "at-least-once" => CheckpointAlignment.AtLeastOnce,
            "unaligned" => CheckpointAlignment.Unaligned,
            _ => CheckpointAlignment.AlignedThenUnaligned(TimeSpan.FromSeconds(10)),
        };
        bool[] forward = [.. Enumerable.Range(0, n).Select(_ => alignment.PersistsChannelState && random.Next(3) == 0)];
        var actions = new RecordingBarrierActions();
        var handler = new CheckpointBarrierHandler(n, alignment, forward, actions);
        var trace = new List<string>();

        long[] lastId = new long[n];
        bool[] ended = new bool[n];
        bool[] blocked = new bool[n];
        long[] delivered = Enumerable.Repeat(-1L, n).ToArray(); // newest barrier each channel delivered
        long sequence = 0;
        var snapshots = new HashSet<long>();
        var acks = new HashSet<long>();
        var cancelled = new HashSet<long>();
        var recorded = new HashSet<int>();
        var endedAtSnapshot = new bool[n];
        long recording = -1;
        var alignedSnapshots = new HashSet<long>();
        var ended_ = new HashSet<long>(); // checkpoints this handler cancelled or declined

        for (int step = 0; step < 80; step++)
        {
            int c = random.Next(n);
            int kind = random.Next(10);
            long id = lastId[c] + random.Next(0, 3) + (random.Next(4) == 0 ? 1 : 0);
            string ev;
            if (kind < 6)
            {
                if (id <= lastId[c])
                {
                    id = lastId[c] + 1;
                }
                bool overtaking = alignment.IsUnaligned ? !forward[c] : alignment.Timeout is not null && !forward[c] && random.Next(3) == 0;
                if ((blocked[c] && !overtaking) || (ended[c] && !overtaking && !alignment.PersistsChannelState))
                {
                    continue;
                }
                if (ended[c] && !overtaking)
                {
                    continue;
                }
                lastId[c] = id;
                bool deadlinePassed = random.Next(4) == 0;
                var barrier = new CheckpointBarrier(id, (actions.Now - (deadlinePassed ? TimeSpan.FromSeconds(11) : TimeSpan.Zero)).ToUnixTimeMilliseconds(),
                    overtaking || alignment.IsUnaligned ? CheckpointAlignment.Unaligned : alignment);
                ev = $"barrier {id} {(overtaking ? "overtaking" : "in order")} on {c} @{sequence}";
                trace.Add(ev);
                handler.OnBarrier(barrier, c, sequence++);
                if (!ended[c])
                {
                    delivered[c] = Math.Max(delivered[c], id);
                }
            }
            else if (kind == 6)
            {
                if (blocked[c] || ended[c])
                {
                    continue;
                }
                lastId[c] = Math.Max(lastId[c], id);
                ev = $"cancel {id} on {c}";
                trace.Add(ev);
                handler.OnCancelMarker(id);
                cancelled.Add(id);
            }
            else if (kind == 7)
            {
                long abort = Math.Max(0, handler.CurrentCheckpointId + random.Next(-1, 3));
                ev = $"abort {abort}";
                trace.Add(ev);
                handler.OnAbort(abort);
                cancelled.Add(abort);
            }
            else if (kind == 8)
            {
                if (blocked[c] || ended[c])
                {
                    continue;
                }
                ev = $"end of input {c}";
                trace.Add(ev);
                ended[c] = true;
                handler.OnEndOfInput(c);
            }
            else
            {
                long t = Math.Max(0, handler.CurrentCheckpointId + random.Next(-1, 2));
                ev = $"timeout {t}";
                trace.Add(ev);
                handler.OnAlignedTimeout(t);
            }

            foreach (string line in actions.Take())
            {
                trace.Add("  " + line);
                string[] w = line.Split(' ');
                string Fail(string why) => $"mode {mode} seed {seed} channels [{string.Join(",", forward.Select(f => f ? "F" : "K"))}]: {why}\n{string.Join("\n", trace)}";
                switch (w[0])
                {
                    case "block":
                        blocked[int.Parse(w[1])] = true;
                        break;
                    case "unblock":
                        blocked[int.Parse(w[1])] = false;
                        break;
                    case "snapshot":
                        long s = long.Parse(w[1]);
                        Assert.True(snapshots.Add(s), Fail($"checkpoint {s} snapshotted twice"));
                        Assert.False(ended_.Contains(s), Fail($"checkpoint {s} snapshotted after its cancel"));
                        if (w[2] == "aligned")
                        {
                            alignedSnapshots.Add(s);
                        }
                        if (w[2] == "unaligned")
                        {
                            recording = s;
                            recorded.Clear();
                            for (int k = 0; k < n; k++)
                            {
                                endedAtSnapshot[k] = ended[k];
                            }
                        }
                        break;
                    case "record":
                    case "complete":
                        int ch = int.Parse(w[1]);
                        Assert.True(recording >= 0, Fail("channel state without an unaligned snapshot"));
                        Assert.True(recorded.Add(ch), Fail($"channel {ch} completed twice"));
                        Assert.False(endedAtSnapshot[ch], Fail($"channel {ch} ended before the snapshot yet got state"));
                        break;
                    case "acknowledge":
                        long a = long.Parse(w[1]);
                        Assert.Equal(recording, a);
                        Assert.True(acks.Add(a), Fail($"checkpoint {a} acknowledged twice"));
                        int live = Enumerable.Range(0, n).Count(k => !endedAtSnapshot[k]);
                        Assert.True(recorded.Count == live, Fail($"checkpoint {a} acknowledged with {recorded.Count} of {live} channels"));
                        recording = -1;
                        break;
                    case "drop":
                        Assert.True(recording == long.Parse(w[1]), Fail("dropped a checkpoint not recording"));
                        recording = -1;
                        break;
                    case "cancel":
                        ended_.Add(long.Parse(w[2]));
                        break;
                    case "decline":
                        long d = long.Parse(w[1].TrimEnd(':'));
                        Assert.False(acks.Contains(d) || alignedSnapshots.Contains(d), Fail($"declined {d} after it was taken"));
                        ended_.Add(d);
                        break;
                }
            }
            string Trace() => $"mode {mode} seed {seed} channels [{string.Join(",", forward.Select(f => f ? "F" : "K"))}]\n{string.Join("\n", trace)}";
            visited.Add(handler.State.GetType().Name);
            if (handler.State is TrackingBarriers)
            {
                Assert.True(!blocked.Any(b => b), "at-least-once blocked a channel: " + Trace());
            }
            if (handler.State is WaitingState)
            {
                Assert.True(!blocked.Any(b => b), "a channel stays blocked between checkpoints: " + Trace());
                Assert.True(recording < 0, "recording between checkpoints: " + Trace());
            }
            if (handler.State is CheckpointInProgress p)
            {
                long current = p.Barrier.CheckpointId;
                bool allDelivered = Enumerable.Range(0, n).All(k => ended[k] || delivered[k] >= current);
                Assert.False(allDelivered, $"checkpoint {current} waits though every live channel delivered: " + Trace());
                Assert.False(Enumerable.Range(0, n).Where(k => !ended[k]).All(k => blocked[k]), "every live channel blocked: " + Trace());
                if (p is CollectingBarriers or WaitingForAlignedChannels && alignment.Mode == CheckpointingMode.ExactlyOnce)
                {
                    Assert.True(Enumerable.Range(0, n).All(k => ended[k] || delivered[k] != current || blocked[k]), "a channel that delivered flows on: " + Trace());
                }
                if (p is CollectingBarriersUnaligned)
                {
                    Assert.True(!blocked.Any(b => b), "blocked while recording: " + Trace());
                }
            }
        }
    }
}
