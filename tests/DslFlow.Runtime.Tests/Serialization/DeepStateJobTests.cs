using DslFlow.Runtime.Tests.Checkpointing;

namespace DslFlow.Runtime.Tests.Serialization;

/// <summary>Grows one key's <see cref="Link"/> chain by a link per record: past the nesting limit its state cannot be saved.</summary>
[Pipeline(DefaultParallelism = 1)]
public static partial class DeepChainPipeline
{
    public static long Length { get; set; } = 10;

    [Source]
    public static SequenceSource Numbers() => new(0, Length);

    [Map(nameof(Numbers), KeyBy = nameof(OneKey))]
    public static long Grow(long value, ValueState<Link> chain)
    {
        chain.Value = new Link((int)value, chain.Value);
        return value;
    }

    [Sink(nameof(Grow))]
    public static DiscardSink<long> Out() => new();

    private static int OneKey(long value) => 0;
}

/// <summary>A checkpoint of state nested past the limit fails the job with a message naming the state and the type.</summary>
public class DeepStateJobTests
{
    [Fact]
    public async Task A_checkpoint_of_a_chain_nested_past_the_limit_fails_naming_the_state_and_the_type()
    {
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromHours(1); // only the final checkpoint, at the end of input
        options.Checkpointing.Directory = directory.Path;
        DeepChainPipeline.Length = 1001;

        await using JobHandle job = DeepChainPipeline.Start(options);
        var failure = await Assert.ThrowsAsync<PipelineExecutionException>(() => job.Completion.WaitAsync(TimeSpan.FromMinutes(1)));

        Assert.Contains("keyed state 'Grow.chain'", failure.Message);
        Assert.Contains("'Link'", failure.Message);
    }
}
