using DslFlow.Channels;
using DslFlow.Checkpointing;
using DslFlow.Runtime.Tests.Support;
using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Checkpointing.ChannelState;

/// <summary>Under unaligned checkpoints, forward and broadcast channels stay aligned: they never hold channel state.</summary>
public class PointwiseChannelsTests
{
    [Fact]
    public async Task Unaligned_checkpoints_persist_in_flight_records_of_rebalance_and_keyed_channels_only()
    {
        using var directory = new TempCheckpointDirectory();
        var options = new PipelineOptions { DefaultParallelism = 2, BufferSize = 16, RestartStrategy = RestartStrategy.None };
        options.Checkpointing.Interval = TimeSpan.FromMilliseconds(20);
        options.Checkpointing.Unaligned = true;
        options.Checkpointing.Directory = directory.Path;
        options.Checkpointing.RetainedCheckpoints = 100;
        PointwisePipeline.Slow = true;
        await using (JobHandle job = PointwisePipeline.Start(options))
        {
            Eventually.True(() => job.CheckpointStats!.History.Count(c => c.Status == CheckpointStatus.Completed && c.PersistedInFlightBytes > 0) >= 3,
                "three checkpoints with in-flight records complete", timeoutMs: 60_000);
            job.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.Completion);
        }

        var storage = new LocalCheckpointStorage(directory.JobFolder);
        var buffersByKind = new Dictionary<EdgePartitioning, long>();
        var channelsByKind = new Dictionary<EdgePartitioning, long>();
        foreach (long id in storage.ListCompletedCheckpoints())
        {
            CheckpointMetadata metadata = (await storage.LoadAndVerifyAsync(id, CancellationToken.None))!;
            RestoredCheckpoint checkpoint = await RestoredCheckpoint.LoadAsync(storage, metadata, CancellationToken.None);
            foreach (ChainInfo chain in PointwisePipeline.Graph.Chains)
            {
                foreach (ChannelStatePart part in checkpoint.ChannelStates(chain.Name))
                {
                    foreach (RecordedChannel<long> channel in ChannelStateRecorder<long>.Decode(part.Bytes, Serializers.For<long>()))
                    {
                        EdgePartitioning kind = channel.Channel.Partitioning;
                        channelsByKind[kind] = channelsByKind.GetValueOrDefault(kind) + 1;
                        buffersByKind[kind] = buffersByKind.GetValueOrDefault(kind) + channel.Buffers.Count;
                    }
                }
            }
        }

        // The layout lists every kind (so the checkpoint covered them all), but only all-to-all channels hold buffers.
        Assert.True(channelsByKind.GetValueOrDefault(EdgePartitioning.Auto) > 0, "a forward channel is recorded in the layout");
        Assert.True(channelsByKind.GetValueOrDefault(EdgePartitioning.Broadcast) > 0, "a broadcast channel is recorded in the layout");
        Assert.Equal(0, buffersByKind.GetValueOrDefault(EdgePartitioning.Auto));
        Assert.Equal(0, buffersByKind.GetValueOrDefault(EdgePartitioning.Broadcast));
        Assert.True(buffersByKind.GetValueOrDefault(EdgePartitioning.Hash) > 0, "keyed channels persisted in-flight records");
    }
}
