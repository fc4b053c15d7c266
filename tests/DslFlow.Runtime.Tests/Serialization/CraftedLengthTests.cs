using DslFlow.Checkpointing;
using DslFlow.Execution;
using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>
/// Lengths, counts and indices read from a damaged or crafted file (CRC-32C detects accidents, not intent): a varint
/// above <see cref="int.MaxValue"/> must not become a negative index that passes a <c>&gt;= parallelism</c> check, and
/// a count must not buy more work or memory than the input's bytes pay for — even for elements that take no bytes.
/// </summary>
public class CraftedLengthTests
{
    /// <summary>The varint of <see cref="uint.MaxValue"/>, which a cast to int turns into -1.</summary>
    private static readonly byte[] MinusOne = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F];

    [Fact]
    public void A_source_split_whose_origin_subtask_would_cast_to_a_negative_index_is_refused()
    {
        byte[] bytes = [0x01, .. MinusOne, 0x02, 0x00, 0x00]; // one split: subtask 2^32-1 of 2, skip 0, empty position
        var error = Assert.Throws<StateFormatException>(() => SourceSplit.DecodeList(bytes));
        Assert.Contains("an index of 4294967295", error.Problem);
    }

    [Fact]
    public void A_task_snapshot_whose_subtask_would_cast_to_a_negative_index_is_refused()
    {
        byte[] payload = WithTrailer([.. MinusOne, 0x01, 0x80, 0x01, 0x00]); // subtask 2^32-1 of 1, 128 key groups, no states
        var error = Assert.Throws<StateFormatException>(() => TaskStateSnapshot.Decode(payload));
        Assert.Contains("an index of 4294967295", error.Problem);
    }

    [Fact]
    public void A_file_position_whose_current_split_would_cast_to_a_negative_index_is_refused()
    {
        byte[] bytes = [FileLineShare.FormatVersion, .. MinusOne, 0x00, 0x00, 0x00]; // current 2^32-1, offset 0, no splits
        Assert.Throws<StateFormatException>(() => FileLineShare.Read(bytes));
    }

    [Fact]
    public void A_keyed_block_whose_key_group_would_cast_to_a_negative_index_is_refused()
    {
        // One keyed state with one block of key group 2^32-2 (stored plus one): skipping it silently would lose its entries.
        byte[] index = [0x00, 0x01, 0x80, 0x01, 0x01, 0x02, (byte)'s', (byte)StateScope.Keyed, 0x00, 0x01, .. MinusOne, 0x01, 0x00, 0x00, 0, 0, 0, 0];
        var error = Assert.Throws<StateFormatException>(() => TaskStateSnapshot.Decode(WithTrailer(index)));
        Assert.Contains("state 's' has a block", error.Problem);
    }

    /// <summary>A payload of no blocks, <paramref name="index"/> and its trailer.</summary>
    private static byte[] WithTrailer(byte[] index)
    {
        var trailer = new byte[StateFileIndex.TrailerLength];
        StateFileIndex.WriteTrailer(trailer, 0, index.Length, DslFlow.Hashing.Crc32C.Compute(index));
        return [.. index, .. trailer];
    }

    [Fact]
    public void An_array_of_elements_that_take_no_bytes_with_a_count_near_two_to_the_31_is_refused()
    {
        // Length int.MaxValue - 1, stored plus one: reading it element by element would loop until out of memory.
        byte[] bytes = [0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        Assert.Throws<StateFormatException>(() => new ArraySerializer<Tick>(GeneratedSerializers.Of<Tick>()).FromBytes(bytes));
        Assert.Throws<StateFormatException>(() => new ListSerializer<Tick>(GeneratedSerializers.Of<Tick>()).FromBytes(bytes));
        Assert.Throws<StateFormatException>(() => new ListSerializer<(Tick, Tick)>(
            new ValueTupleSerializer<Tick, Tick>(GeneratedSerializers.Of<Tick>(), GeneratedSerializers.Of<Tick>())).FromBytes(bytes));
    }

    [Fact]
    public void In_flight_records_that_take_no_bytes_with_a_count_near_two_to_the_31_are_refused()
    {
        // One channel from "up" (subtask 0, auto partitioning), one buffer of int.MaxValue records.
        byte[] bytes = [0x01, 0x03, (byte)'u', (byte)'p', 0x00, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x07];
        Assert.Throws<StateFormatException>(() => ChannelStateRecorder<Tick>.Decode(bytes, GeneratedSerializers.Of<Tick>()));
    }

    [Fact]
    public void Elements_that_take_no_bytes_round_trip_up_to_the_limit_and_writing_more_is_refused()
    {
        var ticks = new ListSerializer<Tick>(GeneratedSerializers.Of<Tick>());
        List<Tick> atLimit = [.. Enumerable.Repeat(new Tick(), StateLimits.MaxEmptyElements)];
        byte[] bytes = ticks.ToBytes(atLimit);
        Assert.Equal(3, bytes.Length); // the count alone
        Assert.Equal(StateLimits.MaxEmptyElements, ticks.FromBytes(bytes)!.Count);

        atLimit.Add(new Tick());
        var error = Assert.Throws<InvalidOperationException>(() => ticks.ToBytes(atLimit));
        Assert.Contains("take no bytes", error.Message);
    }

    [Fact]
    public void Nested_lists_that_each_claim_the_rest_of_the_input_do_not_each_preallocate_it()
    {
        // 200 branches nested in each other, each claiming 50 000 children, then 50 000 bytes of padding: sizing every
        // list by "the bytes left" would reserve 200 × 50 000 slots for an input of 51 000 bytes.
        const int Levels = 200, Claimed = 50_000;
        var bytes = new List<byte>();
        for (int level = 0; level < Levels; level++)
        {
            bytes.Add(0x01); // Name: ""
            bytes.AddRange(VarUInt(Claimed + 1)); // Children: 50 000 of them
            bytes.Add(0x01); // the first child is present
        }
        bytes.AddRange([0x01, 0x01]); // the innermost branch: "" with no children
        bytes.AddRange(new byte[Claimed]); // then null children, until the data ends inside the innermost lists
        byte[] input = [.. bytes];
        ISerializer<Branch> branches = GeneratedSerializers.Of<Branch>();

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<StateFormatException>(() => branches.FromBytes(input));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 16 * input.Length + (4 << 20), $"{allocated:N0} bytes allocated for an input of {input.Length:N0}");
    }

    private static byte[] VarUInt(int value)
    {
        using var buffer = new StateBuffer();
        new StateWriter(buffer).WriteVarUInt32((uint)value);
        return buffer.ToArray();
    }
}
