using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing.Storage.Shared;

/// <summary>The registry's rules on their own, without files: created-by, last-used, pending, held.</summary>
public class SharedStateRegistryTests
{
    private static StateHandle Shared(string name, long createdBy) => new(createdBy, "shared/" + name, 10, 0);

    [Fact]
    public void Registering_keeps_the_creating_checkpoint_and_moves_the_last_use_forward()
    {
        var registry = new SharedStateRegistry();
        registry.AddPending("shared/a", createdBy: 1);
        Assert.True(registry.Find("shared/a")!.IsPending);

        registry.Register(1, [Shared("a", 1)]);
        registry.Register(3, [Shared("a", 1)]);
        registry.Register(2, [Shared("a", 1)]); // a late, older completion does not move it back

        Assert.Equal(new SharedStateEntry("shared/a", 1, 3), registry.Find("shared/a"));
    }

    [Fact]
    public void Only_files_last_used_before_the_lowest_retained_checkpoint_are_unregistered()
    {
        var registry = new SharedStateRegistry();
        registry.Register(1, [Shared("a", 1), Shared("b", 1)]);
        registry.Register(2, [Shared("b", 1), Shared("c", 2)]);
        registry.AddPending("shared/d", createdBy: 3);

        Assert.Equal(["shared/a"], registry.UnregisterUnused(lowestRetained: 2));
        Assert.Empty(registry.UnregisterUnused(lowestRetained: 2));
        Assert.Equal(["shared/b", "shared/c"], registry.UnregisterUnused(lowestRetained: 3));
        Assert.NotNull(registry.Find("shared/d")); // pending files are not "unused": their checkpoint is in progress
    }

    [Fact]
    public void A_file_reused_by_three_checkpoints_survives_until_the_last_of_them_is_retired()
    {
        var registry = new SharedStateRegistry();
        for (long id = 1; id <= 3; id++)
        {
            registry.Register(id, [Shared("base", 1), Shared($"delta-{id}", id)]);
            string[] unused = id == 3 ? ["shared/delta-1"] : [];
            Assert.Equal(unused, registry.UnregisterUnused(lowestRetained: Math.Max(1, id - 1)));
        }
        Assert.Equal(new SharedStateEntry("shared/base", 1, 3), registry.Find("shared/base"));
        Assert.Equal(["shared/base", "shared/delta-2", "shared/delta-3"], registry.UnregisterUnused(long.MaxValue));
    }

    [Fact]
    public void Releasing_an_ended_checkpoint_drops_only_its_pending_files()
    {
        var registry = new SharedStateRegistry();
        registry.Register(1, [Shared("used", 3)]); // created by 3, already listed by a completed checkpoint
        registry.AddPending("shared/mine", createdBy: 3);
        registry.AddPending("shared/other", createdBy: 4);
        registry.AddPending("shared/used", createdBy: 3); // already registered: stays registered

        Assert.Equal(["shared/mine"], registry.ReleasePending(id => id == 3));
        Assert.NotNull(registry.Find("shared/other"));
        Assert.False(registry.Find("shared/used")!.IsPending);
    }

    [Fact]
    public void Held_files_of_a_completing_checkpoint_are_never_handed_out_for_deletion()
    {
        var registry = new SharedStateRegistry();
        registry.Register(1, [Shared("a", 1)]);
        registry.AddPending("shared/b", createdBy: 2);
        registry.Hold(2, ["shared/a", "shared/b"]);

        Assert.Empty(registry.UnregisterUnused(lowestRetained: 5));
        Assert.Empty(registry.ReleasePending(_ => true));

        registry.Release(2);
        Assert.Equal(["shared/a"], registry.UnregisterUnused(lowestRetained: 5));
        Assert.Equal(["shared/b"], registry.ReleasePending(_ => true));
    }
}
