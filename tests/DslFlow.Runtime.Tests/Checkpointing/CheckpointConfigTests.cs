using DslFlow.Checkpointing;

namespace DslFlow.Runtime.Tests.Checkpointing;

public class CheckpointConfigTests
{
    private static CheckpointDeclaration Declared(int interval = 1000, CheckpointingMode mode = CheckpointingMode.ExactlyOnce, bool unaligned = false,
        int alignedTimeout = -1, int maxConcurrent = 1) =>
        new(interval, mode, 600_000, 0, maxConcurrent, 0, 1, unaligned, alignedTimeout, null);

    [Fact]
    public void Without_attribute_or_options_checkpoints_are_off()
    {
        Assert.Null(CheckpointConfig.Resolve(null, new CheckpointingOptions(), out _));
        Assert.Null(CheckpointConfig.Resolve(Declared(), new CheckpointingOptions { Enabled = false }, out _));
    }

    [Fact]
    public void Options_override_the_attribute_and_defaults_follow_flink()
    {
        CheckpointConfig config = CheckpointConfig.Resolve(Declared(interval: 5000),
            new CheckpointingOptions { Interval = TimeSpan.FromSeconds(2), Directory = "x" }, out IReadOnlyList<string> warnings)!;
        Assert.Empty(warnings);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Interval);
        Assert.Equal(TimeSpan.FromMinutes(10), config.Timeout);
        Assert.Equal(1, config.MaxConcurrentCheckpoints);
        Assert.Equal("x", config.Directory);
        Assert.Same(CheckpointAlignment.Aligned, config.Alignment);
    }

    [Fact]
    public void Invalid_values_and_combinations_fail_with_the_analyzer_text()
    {
        var e = Assert.Throws<ArgumentException>(() => CheckpointConfig.Resolve(Declared(interval: 0), null, out _));
        Assert.Equal("DSLF1004: IntervalMs is 0, but it must be greater than 0. Use the time between two checkpoints, for example 1000.", e.Message);
        e = Assert.Throws<ArgumentException>(() => CheckpointConfig.Resolve(Declared(unaligned: true, maxConcurrent: 2), null, out _));
        Assert.StartsWith("DSLF1003: Unaligned checkpoints allow only one concurrent checkpoint, but MaxConcurrentCheckpoints is 2.", e.Message);
        Assert.Throws<ArgumentException>(() => CheckpointConfig.Resolve(null, new CheckpointingOptions { Enabled = true }, out _));
    }

    [Fact]
    public void Ineffective_combinations_are_warnings()
    {
        CheckpointConfig.Resolve(Declared(mode: CheckpointingMode.AtLeastOnce, unaligned: true), null, out IReadOnlyList<string> warnings);
        Assert.Single(warnings, w => w.StartsWith("DSLF1001: Unaligned checkpoints require exactly-once mode", StringComparison.Ordinal));
        CheckpointConfig.Resolve(Declared(alignedTimeout: 200), null, out warnings);
        Assert.Single(warnings, w => w.StartsWith("DSLF1002: AlignedTimeoutMs only applies to unaligned checkpoints", StringComparison.Ordinal));
    }
}
