using System.Text;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class StringSerializerTests
{
    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("héllo wörld")]
    [InlineData("日本語のテキスト")]
    [InlineData("😀 emoji 𝄞 clef 👩‍👩‍👧 family")] // surrogate pairs and ZWJ sequences
    [InlineData("\0 embedded nul \0")]
    public void Strings_round_trip(string value) => RoundTrip.AssertEqual(StringSerializer.Instance, value);

    [Fact]
    public void Null_and_empty_differ_and_take_one_byte()
    {
        Assert.Null(RoundTrip.Of(StringSerializer.Instance, null));
        Assert.Equal([0], StringSerializer.Instance.ToBytes(null));
        Assert.Equal([1], StringSerializer.Instance.ToBytes(""));
    }

    [Fact]
    public void The_length_prefix_counts_utf8_bytes_and_long_strings_use_a_longer_varint()
    {
        Assert.Equal([5, 0xF0, 0x9F, 0x98, 0x80], StringSerializer.Instance.ToBytes("😀"));
        string large = string.Concat(Enumerable.Repeat("ab😀", 40_000));
        RoundTrip.AssertEqual(StringSerializer.Instance, large);
        Assert.Equal(Encoding.UTF8.GetByteCount(large) + 3, StringSerializer.Instance.ToBytes(large).Length);
    }

    [Fact]
    public void A_lone_surrogate_cannot_be_written()
    {
        var e = Assert.Throws<ArgumentException>(() => StringSerializer.Instance.ToBytes("ok\uD83D"));
        Assert.Contains("unpaired surrogate at index 2", e.Message);
    }

    [Fact]
    public void Invalid_utf8_is_a_format_error_at_the_string_bytes()
    {
        var e = Assert.Throws<StateFormatException>(() => StringSerializer.Instance.FromBytes([3, 0x61, 0xFF, 0x62]));
        Assert.Equal(1, e.Offset);
        Assert.Contains("UTF-8", e.Message);
    }
}
