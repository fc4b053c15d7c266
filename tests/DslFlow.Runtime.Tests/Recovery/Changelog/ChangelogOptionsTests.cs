using DslFlow.Runtime.Tests.Checkpointing;
using DslFlow.Runtime.Tests.Recovery.Committed;

namespace DslFlow.Runtime.Tests.Recovery.Changelog;

/// <summary>Invalid changelog settings are refused at start, naming the setting and the fix.</summary>
public class ChangelogOptionsTests
{
    public static TheoryData<string, Action<ChangelogOptions>, string> InvalidSettings => new()
    {
        { "MaterializationInterval", o => o.MaterializationInterval = TimeSpan.Zero, "must be positive" },
        { "MaxMaterializationFailures", o => o.MaxMaterializationFailures = -1, "must not be negative" },
        { "PreemptivePersistThreshold", o => o.PreemptivePersistThreshold = 0, "at least 1 byte" },
        { "PersistDelay", o => o.PersistDelay = TimeSpan.FromMinutes(2), "between zero and 1 minute" },
        { "PersistSizeThreshold", o => o.PersistSizeThreshold = 0, "at least 1 byte" },
        { "MaxInFlight", o => o.MaxInFlight = 1024, "must be at least PersistSizeThreshold" },
    };

    [Theory]
    [MemberData(nameof(InvalidSettings))]
    public void An_invalid_setting_is_refused_by_name(string setting, Action<ChangelogOptions> change, string rule)
    {
        var options = new PipelineOptions();
        change(options.Changelog);

        var ex = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains($"PipelineOptions.Changelog.{setting} is", ex.Message);
        Assert.Contains(rule, ex.Message);
    }

    [Theory]
    [InlineData(false, CheckpointingMode.ExactlyOnce, 1, "checkpoints are off")]
    [InlineData(true, CheckpointingMode.AtLeastOnce, 1, "checkpoints are at-least-once")]
    [InlineData(true, CheckpointingMode.ExactlyOnce, 2, "MaxConcurrentCheckpoints is 2; set it to 1")]
    public void The_changelog_without_exactly_once_one_at_a_time_checkpoints_is_refused_at_start(bool checkpoints,
        CheckpointingMode mode, int concurrent, string problem)
    {
        using var directory = new TempCheckpointDirectory();
        ChangelogCounterPipeline.Input = new GatedSource(10, 10);
        var options = new PipelineOptions();
        options.Checkpointing.Enabled = checkpoints;
        options.Checkpointing.Interval = TimeSpan.FromHours(1);
        options.Checkpointing.Mode = mode;
        options.Checkpointing.MaxConcurrentCheckpoints = concurrent;
        options.Checkpointing.Directory = directory.Path;
        options.Changelog.Enabled = true;

        var ex = Assert.Throws<ArgumentException>(() => ChangelogCounterPipeline.Start(options));

        Assert.Contains("PipelineOptions.Changelog.Enabled is true, but " + problem, ex.Message);
    }
}
