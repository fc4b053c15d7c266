using DslFlow.State;
using DslFlow.State.Backends;
using DslFlow.State.Changelog;
using DslFlow.State.Heap;

namespace DslFlow.Runtime.Tests.State.Changelog;

/// <summary>
/// Every write through the value, list and map facades is logged, and replaying the log onto empty states rebuilds the
/// same state — whole, or split by key-group range as a rescaled subtask replays it. Seeded random writes (the seed is
/// the test case's argument).
/// </summary>
public class StateChangeReplayTests : ChangelogTestKit
{
    private const int MaxParallelism = 128;
    private static readonly KeyGroupRange All = new(0, MaxParallelism - 1);

    private sealed class States
    {
        public States(KeyGroupRange range, StateChangelogWriter log)
        {
            var value = new KeyedStateDescriptor<int, long>("Count.total", KeyedStateKind.Value, null, null);
            var list = new KeyedStateDescriptor<int, ListCell<string>>("Count.seen", KeyedStateKind.List, null, null);
            var map = new KeyedStateDescriptor<int, MapCell<string, int>>("Count.byWord", KeyedStateKind.Map, null, null);
            Value = new HeapKeyedState<int, long>(value, range);
            List = new HeapKeyedState<int, ListCell<string>>(list, range);
            Map = new HeapKeyedState<int, MapCell<string, int>>(map, range);
            Logged = [StateChangeRecords.Wrap(Value, value, 0, log), StateChangeRecords.Wrap(List, list, 1, log),
                StateChangeRecords.Wrap(Map, map, 2, log)];
        }

        public HeapKeyedState<int, long> Value { get; }

        public HeapKeyedState<int, ListCell<string>> List { get; }

        public HeapKeyedState<int, MapCell<string, int>> Map { get; }

        public IReadOnlyList<IChangelogState> Logged { get; }

        /// <summary>The state as text per key group, for comparison.</summary>
        public List<string> Describe(KeyGroupRange range) =>
            [.. Enumerable.Range(range.Start, range.Count).SelectMany(g =>
                Value.EntriesOf(g).Select(e => $"v {e.Key}={e.Value}")
                    .Concat(List.EntriesOf(g).Select(e => $"l {e.Key}=[{string.Join(",", e.Value.Items)}]"))
                    .Concat(Map.EntriesOf(g).Select(e => $"m {e.Key}={{{string.Join(",", e.Value.Entries.OrderBy(x => x.Key, StringComparer.Ordinal))}}}")))
                .Order(StringComparer.Ordinal)];
    }

    /// <summary>Random writes through the facades, the way generated code drives them.</summary>
    private static void WriteRandomly(States states, int seed, int writes)
    {
        var random = new Random(seed);
        var value = new ValueState<long>();
        var list = new ListState<string>();
        var map = new MapState<string, int>();
        value.Bind(states.Value);
        list.Bind(states.List);
        map.Bind(states.Map);
        for (int i = 0; i < writes; i++)
        {
            int key = random.Next(300);
            int hash = StableHash.Of(key);
            int group = KeyGroups.Assign(hash, MaxParallelism);
            value.Slot = states.Value.Slot(key, hash, group);
            list.Cell = states.List.Cell(key, hash, group);
            map.Cell = states.Map.Cell(key, hash, group);
            string word = "w" + random.Next(8);
            switch (random.Next(10))
            {
                case 0: value.Clear(); break;
                case 1: case 2: value.Value += random.Next(1, 100); break;
                case 3: list.Add(word); break;
                case 4: list.AddRange([word, word + "x"]); break;
                case 5: list.Update([word]); break;
                case 6: list.Clear(); break;
                case 7: map[word] = random.Next(1000); break;
                case 8: map.Remove(word); break;
                default: if (random.Next(4) == 0) { map.Clear(); } break;
            }
        }
    }

    private async Task<IReadOnlyList<ChangelogSegment>> LogRandomWritesAsync(States states, int seed, StateChangelogWriter log)
    {
        WriteRandomly(states, seed, 4000);
        return await log.PersistAsync(0, 1);
    }

    private void Replay(IReadOnlyList<ChangelogSegment> segments, StateChangeReplay replay)
    {
        replay.BeginLog();
        foreach (ChangelogSegment segment in segments)
        {
            var section = new byte[segment.Length];
            Storage.ReadStateRange(segment.File, segment.Offset, section);
            ChangelogFormat.ReadSection(section, segment, 1, replay.Apply);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(20261202)]
    public async Task Replaying_the_log_of_random_writes_rebuilds_the_same_value_list_and_map_state(int seed)
    {
        var uploader = NewUploader();
        var log = NewWriter(uploader, preemptiveThreshold: 4096); // some writes go out pre-emptively
        var written = new States(All, log);
        var segments = await LogRandomWritesAsync(written, seed, log);
        var restored = new States(All, NewWriter(uploader, owner: "Count-0-restored"));

        Replay(segments, new StateChangeReplay(restored.Logged, All));

        Assert.True(log.PreemptivePersists > 0, $"seed {seed}: the threshold should have written part of the log early");
        Assert.NotEmpty(written.Describe(All));
        Assert.Equal(written.Describe(All), restored.Describe(All));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(99)]
    public async Task Two_subtasks_replaying_one_log_each_rebuild_only_their_key_groups(int seed)
    {
        var uploader = NewUploader();
        var log = NewWriter(uploader);
        var written = new States(All, log);
        var segments = await LogRandomWritesAsync(written, seed, log);
        KeyGroupRange low = new(0, 63), high = new(64, 127);
        var left = new States(low, NewWriter(uploader, owner: "Count-0-new"));
        var right = new States(high, NewWriter(uploader, owner: "Count-1-new"));
        var leftReplay = new StateChangeReplay(left.Logged, low);

        Replay(segments, leftReplay);
        Replay(segments, new StateChangeReplay(right.Logged, high));

        Assert.Equal(written.Describe(low), left.Describe(low));
        Assert.Equal(written.Describe(high), right.Describe(high));
        Assert.True(leftReplay.Skipped > 0 && leftReplay.Applied > 0, $"seed {seed}: applied {leftReplay.Applied}, skipped {leftReplay.Skipped}");
    }

    [Fact]
    public async Task A_log_whose_state_changed_type_or_is_not_declared_is_refused_by_name()
    {
        var uploader = NewUploader();
        var log = NewWriter(uploader);
        var segments = await LogRandomWritesAsync(new States(All, log), 3, log);
        var other = new KeyedStateDescriptor<int, string>("Count.total", KeyedStateKind.Value, null, null);
        var retyped = StateChangeRecords.Wrap(new HeapKeyedState<int, string>(other, All), other, 0, NewWriter(uploader, owner: "x"));

        var others = new States(All, NewWriter(uploader, owner: "y"));
        var changed = Assert.Throws<InvalidOperationException>(() =>
            Replay(segments, new StateChangeReplay([retyped, others.Logged[1], others.Logged[2]], All)));
        Assert.Contains("keyed state 'Count.total' as", changed.Message);
        Assert.Contains("but the job declares it as", changed.Message);

        var missing = Assert.Throws<JobConfigurationException>(() => Replay(segments, new StateChangeReplay([], All, 7)));
        Assert.Matches("^Checkpoint 7 holds keyed state this job no longer declares: 'Count\\.(total|seen|byWord)'", missing.Message); // the first the log names
        Assert.Contains("(in the state change log)", missing.Message);
        Assert.Contains("AllowNonRestoredState = true", missing.Message);
        var dropping = new StateChangeReplay([others.Logged[1]], All, 7, dropUndeclared: true); // keeps one state, drops the others
        Replay(segments, dropping);
        Assert.True(dropping.Skipped > 0 && dropping.Applied > 0, $"applied {dropping.Applied}, skipped {dropping.Skipped}");
    }

    [Fact]
    public async Task Each_state_logs_its_metadata_once_per_segment_and_again_after_a_reset()
    {
        var uploader = NewUploader();
        var log = NewWriter(uploader);
        var states = new States(All, log);
        WriteRandomly(states, 5, 50);
        var first = await log.PersistAsync(0, 1);
        long next = log.NextSequenceNumber();
        foreach (IChangelogState state in states.Logged)
        {
            state.ResetMetadata(); // what a materialization does
        }
        WriteRandomly(states, 6, 50);
        var second = await log.PersistAsync(next, 2);

        int Metadata(IEnumerable<ChangelogSegment> segments) =>
            ReadBack(segments).Count(change => change.KeyGroup == ChangelogFormat.MetadataKeyGroup);
        Assert.Equal(3, Metadata(first));
        Assert.Equal(3, Metadata(second));
    }
}
