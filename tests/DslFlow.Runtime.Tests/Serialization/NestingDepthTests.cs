using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>
/// Values of user types nested in each other (a linked chain, a tree) are counted while they are written and read:
/// past the limit the writer refuses and the reader reports a <see cref="StateFormatException"/>, naming the type,
/// instead of recursing until the stack overflows and the process dies. Only depths that cannot overflow run here;
/// <see cref="StackOverflowChildProcessTests"/> tries the ones that would.
/// </summary>
public class NestingDepthTests
{
    private const int Limit = StateLimits.MaxNestingDepth;

    [Fact]
    public void A_chain_at_the_limit_round_trips()
    {
        ISerializer<Link> links = GeneratedSerializers.Of<Link>();
        Link chain = Chain(Limit);
        Link back = links.FromBytes(links.ToBytes(chain));
        Assert.Equal(Limit, Length(back));
    }

    [Fact]
    public void Writing_a_chain_nested_deeper_than_the_limit_is_refused_naming_its_type()
    {
        ISerializer<Link> links = GeneratedSerializers.Of<Link>();
        var error = Assert.Throws<InvalidOperationException>(() => links.ToBytes(Chain(Limit + 1)));
        Assert.Contains("'Link'", error.Message);
        Assert.Contains($"{Limit}", error.Message);
    }

    [Fact]
    public void A_chain_deeper_than_the_limit_saved_by_an_earlier_version_still_restores_where_the_stack_holds_it()
    {
        // One byte per level: each Hop's "next is present" flag, then a last Hop without one — the bytes versions
        // before the limit wrote for a chain of 1 500 links (the format did not change). Refused before (review 2):
        // "nested more than 1000 levels deep, more than any writer saves", so an upgrade could not resume the job.
        byte[] bytes = [.. Enumerable.Repeat((byte)1, 1_499), 0];
        Hop chain = GeneratedSerializers.Of<Hop>().FromBytes(bytes);
        int links = 0;
        for (Hop? hop = chain; hop is not null; hop = hop.Next)
        {
            links++;
        }
        Assert.Equal(1_500, links);
    }

    [Fact]
    public void Nesting_through_lists_of_classes_and_of_structs_is_counted_too()
    {
        Branch branch = new();
        Knot knot = new(0, []);
        for (int level = 0; level < Limit; level++)
        {
            branch = new Branch { Children = [branch] };
            knot = new Knot(0, [knot]);
        }
        Assert.Contains("'Branch'", Assert.Throws<InvalidOperationException>(() => GeneratedSerializers.Of<Branch>().ToBytes(branch)).Message);
        Assert.Contains("'Knot'", Assert.Throws<InvalidOperationException>(() => GeneratedSerializers.Of<Knot>().ToBytes(knot)).Message);
    }

    [Fact]
    public void After_a_refused_value_the_next_one_is_counted_from_the_top_again()
    {
        ISerializer<Link> links = GeneratedSerializers.Of<Link>();
        using var buffer = new StateBuffer();
        var writer = new StateWriter(buffer);
        Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new StateWriter(buffer);
            links.Write(ref w, Chain(Limit + 1));
        });
        buffer.Reset(); // what a task does before its next snapshot
        links.Write(ref writer, Chain(Limit));
        Assert.Equal(Limit, Length(links.FromBytes(buffer.WrittenSpan)));
    }

    private static Link Chain(int length)
    {
        Link? chain = null;
        for (int i = length; i > 0; i--)
        {
            chain = new Link(i, chain);
        }
        return chain!;
    }

    private static int Length(Link chain)
    {
        int length = 0;
        for (Link? link = chain; link is not null; link = link.Next)
        {
            length++;
        }
        return length;
    }
}
