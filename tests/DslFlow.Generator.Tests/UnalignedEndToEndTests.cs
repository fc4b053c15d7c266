using System.Collections;
using System.Reflection;
using DslFlow.Execution;
using DslFlow.Generator.Tests.Infrastructure;
using DslFlow.Serialization;

namespace DslFlow.Generator.Tests;

/// <summary>
/// Unaligned checkpoints on a generated pipeline: a user record without <c>[Serializer]</c> crosses a keyed edge with the
/// serializer the generator wrote, and the keyed head recomputes the key group its sender routed each record by (which
/// restoring channel state after rescaling filters on). No timing assertions: checkpoints may or may not catch records
/// in flight, and the outcome must be the same either way.
/// </summary>
public class UnalignedEndToEndTests
{
    private const int Readings = 2000;
    private const int MaxParallelism = 16;

    private static string Source(string checkpointing) => $$"""
        using System;
        using System.Collections.Concurrent;
        using System.Linq;
        using DslFlow;
        using Fixtures;

        namespace Sensors;

        public sealed record Reading(string Sensor, int Sequence, double Value);

        // Collects every record with the index of the subtask that wrote it.
        public sealed class SubtaskSink<T> : ISink<T>
        {
            public ConcurrentQueue<(int Subtask, T Record)> Items { get; } = new();

            public ISinkWriter<T> CreateWriter(NodeContext context) => new Writer(Items, context.SubtaskIndex);

            private sealed class Writer(ConcurrentQueue<(int Subtask, T Record)> items, int subtask) : ISinkWriter<T>
            {
                public void Write(ReadOnlySpan<T> records)
                {
                    foreach (T record in records)
                    {
                        items.Enqueue((subtask, record));
                    }
                }

                public void Flush()
                {
                }

                public void Dispose()
                {
                }
            }
        }

        [Pipeline(DefaultParallelism = 2, MaxParallelism = {{MaxParallelism}}), {{checkpointing}}]
        public partial class Telemetry
        {
            [Source]
            public static ArraySource<Reading> Readings() =>
                new(Enumerable.Range(0, {{Readings}}).Select(i => new Reading("s" + (i % 13), i, i * 0.5)).ToArray());

            private static string Sensor(Reading reading) => reading.Sensor;

            [Process(From = nameof(Readings), KeyBy = nameof(Sensor), Parallelism = 3)]
            public static void Count(Reading reading, ValueState<int> seen, Collector<Reading> output)
            {
                seen.Value++;
                output.Emit(reading);
            }

            [Sink(From = nameof(Count), Parallelism = 3)]
            public static SubtaskSink<Reading> Out() => new();
        }
        """;

    private static readonly Lazy<Assembly> Unaligned = new(() => Compile(Source("Checkpointing(IntervalMs = 10, Unaligned = true)")));

    [Fact]
    public async Task AUserRecordCrossesAKeyedEdgeWithTheGeneratedSerializer()
    {
        using var directory = new TemporaryDirectory();
        JobHandle job = Start(Unaligned.Value, directory.Path, unalignedOption: null);
        await EndToEndTests.Complete(job);

        Assert.Equal(Enumerable.Range(0, Readings), Delivered(job).Select(d => (int)Property(d.Record, "Sequence")).Order());
        Assert.True(job.CheckpointStats!.Counts.Completed >= 1, "the final checkpoint completes");

        Type reading = Unaligned.Value.GetType("Sensors.Reading")!;
        object serializer = RecordSerializerOf(job, "Count+Out")!;
        Assert.IsAssignableFrom(typeof(ISerializer<>).MakeGenericType(reading), serializer);
        object sample = Activator.CreateInstance(reading, "s7", 42, 1.25)!;
        Assert.Equal(sample, FromBytes(reading, serializer, ToBytes(reading, serializer, sample)));
        Assert.Null(FromBytes(reading, serializer, ToBytes(reading, serializer, null)));
    }

    [Fact]
    public async Task TheKeyedHeadRecomputesTheKeyGroupItsSenderRoutedEachRecordBy()
    {
        using var directory = new TemporaryDirectory();
        JobHandle job = Start(Unaligned.Value, directory.Path, unalignedOption: null);
        await EndToEndTests.Complete(job);

        var tasks = ((IEnumerable<StreamTask>)typeof(JobHandle).GetProperty("Tasks", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(job)!)
            .Where(t => t.Context.TaskName == "Count+Out")
            .ToDictionary(t => t.Context.SubtaskIndex);
        Assert.Equal(3, tasks.Count);
        List<(int Subtask, object Record)> delivered = Delivered(job);
        Assert.Equal(Readings, delivered.Count);
        foreach ((int subtask, object record) in delivered)
        {
            StreamTask task = tasks[subtask];
            int keyGroup = (int)task.GetType().GetMethod("KeyGroupOf", BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(task, [record])!;
            Assert.Equal(KeyGroups.Assign(StableHash.Of((string)Property(record, "Sensor")), MaxParallelism), keyGroup);
            Assert.True(task.Context.KeyGroupRange.Contains(keyGroup), $"key group {keyGroup} arrived at subtask {subtask} ({task.Context.KeyGroupRange})");
        }
    }

    [Fact]
    public async Task UnalignedCheckpointsTurnedOnOnlyByTheOptionsUseTheGeneratedSerializer()
    {
        Assembly aligned = Compile(Source("Checkpointing(IntervalMs = 10)"));
        using var directory = new TemporaryDirectory();

        JobHandle job = Start(aligned, directory.Path, unalignedOption: true);
        await EndToEndTests.Complete(job);

        Assert.Equal(Enumerable.Range(0, Readings), Delivered(job).Select(d => (int)Property(d.Record, "Sequence")).Order());
        Assert.NotNull(RecordSerializerOf(job, "Count+Out"));
    }

    [Fact]
    public void A_record_type_the_generator_cannot_serialize_stops_a_job_the_options_turn_unaligned_at_start()
    {
        Assembly assembly = Compile("""
            using DslFlow;
            using Fixtures;

            namespace Sensors;

            public sealed record Reading(string Sensor, System.IO.Stream Raw);

            [Pipeline(DefaultParallelism = 2), Checkpointing(IntervalMs = 10)]
            public partial class Telemetry
            {
                [Source] public static ArraySource<Reading> Readings() => new(new Reading("a", System.IO.Stream.Null));

                private static string Sensor(Reading reading) => reading.Sensor;

                [Map(From = nameof(Readings), KeyBy = nameof(Sensor))]
                public static int Count(Reading reading) => 1;

                [Sink(From = nameof(Count))] public static QueueSink<int> Out() => new();
            }
            """);
        using var directory = new TemporaryDirectory();

        var thrown = Assert.Throws<TargetInvocationException>(() => Start(assembly, directory.Path, unalignedOption: true));
        Assert.IsType<JobConfigurationException>(thrown.InnerException); // no restart can cure it
        Assert.StartsWith("DSLF3005: Records of type 'Reading' in flight on edge Readings -> Count cannot be saved in unaligned "
            + "checkpoints, which persist them: 'Reading.Raw' of type 'System.IO.Stream' has no built-in serializer.", thrown.InnerException.Message, StringComparison.Ordinal);
    }

    private static Assembly Compile(string source)
    {
        GeneratorRun run = GeneratorHarness.Run(source);
        run.AssertGeneratorQuiet();
        run.AssertCompilesCleanly();
        return run.EmitAndLoad();
    }

    private static JobHandle Start(Assembly assembly, string directory, bool? unalignedOption)
    {
        var options = new PipelineOptions
        {
            Checkpointing = new CheckpointingOptions { Directory = directory, StartFresh = true, Unaligned = unalignedOption },
        };
        MethodInfo start = assembly.GetType("Sensors.Telemetry")!.GetMethod("Start")!;
        return (JobHandle)start.Invoke(null, [options, CancellationToken.None])!;
    }

    private static List<(int Subtask, object Record)> Delivered(JobHandle job)
    {
        object sink = job.GetNode<object>("Out");
        return ((IEnumerable)sink.GetType().GetProperty("Items")!.GetValue(sink)!).Cast<object>()
            .Select(item => ((int)Field(item, "Item1"), Field(item, "Item2")))
            .ToList();
    }

    /// <summary>The serializer the generated code passed to the chain's factory, as its running task got it (internal to the runtime).</summary>
    private static object? RecordSerializerOf(JobHandle job, string chain)
    {
        const BindingFlags Internal = BindingFlags.NonPublic | BindingFlags.Instance;
        var tasks = (IEnumerable<StreamTask>)typeof(JobHandle).GetProperty("Tasks", Internal | BindingFlags.Public)!.GetValue(job)!;
        StreamTask task = tasks.First(t => t.Context.TaskName == chain);
        object input = typeof(TaskContext).GetProperty("Input", Internal)!.GetValue(task.Context)!;
        return input.GetType().GetProperty("RecordSerializer")!.GetValue(input);
    }

    private static object Property(object target, string name) => target.GetType().GetProperty(name)!.GetValue(target)!;

    private static object Field(object target, string name) => target.GetType().GetField(name)!.GetValue(target)!;

    private static byte[] ToBytes(Type type, object serializer, object? value) =>
        (byte[])typeof(SerializerExtensions).GetMethod(nameof(SerializerExtensions.ToBytes))!.MakeGenericMethod(type).Invoke(null, [serializer, value])!;

    private static object? FromBytes(Type type, object serializer, byte[] bytes) =>
        typeof(UnalignedEndToEndTests).GetMethod(nameof(FromBytesOf), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, [serializer, bytes]);

    private static T FromBytesOf<T>(ISerializer<T> serializer, byte[] bytes) => serializer.FromBytes(bytes);

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("dslflow-unaligned-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // best effort: a file still held open must not fail the test
            }
        }
    }
}
