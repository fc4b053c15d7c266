using DslFlow.Channels;

namespace DslFlow.Runtime.Tests.Channels;

/// <summary>The arithmetic of buffer debloating, in the spirit of Flink's <c>BufferDebloaterTest</c>.</summary>
public class BufferDebloaterTests
{
    private static BufferDebloater Debloater(int samples = 1, int threshold = 0, int min = 1, int max = 1024, double targetSeconds = 1) =>
        new(new BufferDebloatOptions
        {
            Enabled = true,
            Samples = samples,
            ThresholdPercentage = threshold,
            MinBufferSize = min,
            Target = TimeSpan.FromSeconds(targetSeconds),
        }, max);

    [Fact]
    public void The_size_makes_the_queued_buffers_hold_the_target_time_of_records()
    {
        BufferDebloater debloater = Debloater(targetSeconds: 0.3);

        // 1000 records/s, 16 buffers queued: 300 records should be queued, so 300 / 16 = 18.75 → 19 per buffer.
        Assert.Equal(19, debloater.Recalculate(records: 200, busy: TimeSpan.FromMilliseconds(200), queuedBuffers: 16, queuedRecords: 16 * 1024));
        Assert.Equal(19, debloater.BufferSize);
        Assert.Equal(1000, debloater.Throughput, precision: 6);
        Assert.Equal(TimeSpan.FromSeconds(16.384), debloater.EstimatedTimeToConsume);
    }

    [Fact]
    public void Idle_time_is_not_throughput_time()
    {
        BufferDebloater debloater = Debloater();

        // 100 records in the 50 ms the task had input: 2000 records/s, whatever the period was.
        debloater.Recalculate(records: 100, busy: TimeSpan.FromMilliseconds(50), queuedBuffers: 10, queuedRecords: 0);
        Assert.Equal(2000, debloater.Throughput, precision: 6);
        Assert.Equal(200, debloater.BufferSize);
    }

    [Fact]
    public void The_size_is_an_exponential_moving_average_over_the_samples()
    {
        BufferDebloater debloater = Debloater(samples: 3); // alpha = 2 / (3 + 1) = 0.5

        Assert.Equal(400, debloater.Recalculate(400, TimeSpan.FromSeconds(1), queuedBuffers: 1, queuedRecords: 0)); // first sample taken as is
        Assert.Equal(250, debloater.Recalculate(100, TimeSpan.FromSeconds(1), queuedBuffers: 1, queuedRecords: 0)); // 400 + 0.5 (100 − 400)
        Assert.Equal(175, debloater.Recalculate(100, TimeSpan.FromSeconds(1), queuedBuffers: 1, queuedRecords: 0));
    }

    [Fact]
    public void Changes_below_the_threshold_are_not_announced()
    {
        BufferDebloater debloater = Debloater(threshold: 25);

        Assert.Equal(100, debloater.Recalculate(100, TimeSpan.FromSeconds(1), 1, 0));
        Assert.Null(debloater.Recalculate(80, TimeSpan.FromSeconds(1), 1, 0)); // −20 %
        Assert.Null(debloater.Recalculate(124, TimeSpan.FromSeconds(1), 1, 0)); // +24 %
        Assert.Equal(100, debloater.BufferSize);
        Assert.Equal(75, debloater.Recalculate(75, TimeSpan.FromSeconds(1), 1, 0)); // −25 %
        Assert.Null(debloater.Recalculate(75, TimeSpan.FromSeconds(1), 1, 0)); // unchanged
    }

    [Fact]
    public void The_size_stays_between_the_minimum_and_the_configured_buffer_size()
    {
        BufferDebloater debloater = Debloater(min: 16, max: 512);

        Assert.Equal(16, debloater.Recalculate(1, TimeSpan.FromSeconds(1), queuedBuffers: 16, queuedRecords: 0));
        Assert.Equal(512, debloater.Recalculate(1_000_000, TimeSpan.FromSeconds(1), queuedBuffers: 16, queuedRecords: 0));
    }

    [Fact]
    public void A_period_without_input_measures_nothing_and_keeps_the_size()
    {
        BufferDebloater debloater = Debloater();
        Assert.Equal(50, debloater.Recalculate(50, TimeSpan.FromSeconds(1), 1, 0));

        Assert.Null(debloater.Recalculate(0, TimeSpan.Zero, 0, 0));
        Assert.Null(debloater.Recalculate(0, TimeSpan.FromMilliseconds(3), 0, 0)); // idle: only its own mail ran
        Assert.Null(debloater.Recalculate(5, TimeSpan.FromMilliseconds(0.5), 0, 0)); // too short to measure
        Assert.Equal(50, debloater.BufferSize);
        Assert.Equal(50, debloater.Throughput); // the last measurement stands
    }

    [Theory]
    [InlineData("Target", "must be positive")]
    [InlineData("Period", "must be positive")]
    [InlineData("Samples", "must be at least 1")]
    [InlineData("ThresholdPercentage", "between 0 and 100")]
    [InlineData("MinBufferSize", "must be at least 1 record")]
    [InlineData("MinBufferSizeAboveMax", "must not exceed PipelineOptions.BufferSize (64)")]
    public void Invalid_settings_name_the_setting_and_the_rule(string setting, string rule)
    {
        var options = new PipelineOptions { BufferSize = 64 };
        BufferDebloatOptions debloat = options.BufferDebloat;
        debloat.Enabled = true;
        switch (setting)
        {
            case "Target": debloat.Target = TimeSpan.Zero; break;
            case "Period": debloat.Period = TimeSpan.FromSeconds(-1); break;
            case "Samples": debloat.Samples = 0; break;
            case "ThresholdPercentage": debloat.ThresholdPercentage = 101; break;
            case "MinBufferSize": debloat.MinBufferSize = 0; break;
            default: debloat.MinBufferSize = 65; break;
        }

        var thrown = Assert.Throws<ArgumentException>(options.Validate);
        Assert.StartsWith($"PipelineOptions.BufferDebloat.{setting.Replace("AboveMax", "", StringComparison.Ordinal)} is ", thrown.Message);
        Assert.Contains(rule, thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_minimum_does_not_stop_a_job_with_small_buffers_and_debloating_off()
    {
        var options = new PipelineOptions { BufferSize = 8 };
        options.Validate();
        options.BufferDebloat.Enabled = true;
        Assert.Throws<ArgumentException>(options.Validate);
    }
}
