using DslFlow.Serialization;
using DslFlow.State;

namespace DslFlow.Runtime.Tests.State;

/// <summary>
/// Crafted or damaged (CRC fixed up) keyed snapshot blocks fail the restore with <see cref="StateFormatException"/>, not
/// another exception.
/// </summary>
public sealed class CraftedKeyedSnapshotTests
{
    /// <summary>One entry of key group 0: a hash of that group, a null string key, then <paramref name="value"/>'s bytes.</summary>
    private static byte[] NullKeyEntry(params byte[] value) => [0, 0, 0, 0, 0x00, .. value];

    [Fact]
    public void A_keyed_list_snapshot_with_a_null_key_is_refused_with_StateFormatException()
    {
        var table = HeapStates.List<string, string?>("Node.list", new KeyGroupRange(0, 127));

        // Failed (review 2): ArgumentNullException from the dictionary's indexer escaped the decoder.
        Exception? thrown = Record.Exception(() => table.RestoreBlock(0, 1, NullKeyEntry(0x00), 128));
        Assert.IsType<StateFormatException>(thrown);
    }

    [Fact]
    public void A_keyed_map_snapshot_with_a_null_key_is_refused_with_StateFormatException()
    {
        var table = HeapStates.Map<string, string, int>("Node.map", new KeyGroupRange(0, 127));

        Exception? thrown = Record.Exception(() => table.RestoreBlock(0, 1, NullKeyEntry(0x00), 128));
        Assert.IsType<StateFormatException>(thrown);
    }

    [Fact]
    public void A_keyed_value_snapshot_with_a_null_key_is_refused_with_StateFormatException()
    {
        var table = HeapStates.Value<string, int>("Node.value", new KeyGroupRange(0, 127));

        Exception? thrown = Record.Exception(() => table.RestoreBlock(0, 1, NullKeyEntry(42, 0, 0, 0), 128));

        Assert.IsType<StateFormatException>(thrown);
    }

    [Fact]
    public void A_block_that_declares_more_entries_than_it_holds_is_refused()
    {
        var table = HeapStates.Value<string, int>("Node.value", new KeyGroupRange(0, 127));
        byte[] entry = [0, 0, 0, 0, 0x02, (byte)'k', 7, 0, 0, 0];

        Assert.Throws<StateFormatException>(() => table.RestoreBlock(0, 2, entry, 128));
        Assert.Equal(1, HeapStates.Value<string, int>("Node.value", new KeyGroupRange(0, 127)).RestoreBlock(0, 1, entry, 128));
    }
}
