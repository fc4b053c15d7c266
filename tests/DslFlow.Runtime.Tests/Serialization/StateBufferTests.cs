using DslFlow.Serialization;

namespace DslFlow.Runtime.Tests.Serialization;

public class StateBufferTests
{
    [Fact]
    public void The_buffer_grows_keeps_what_was_written_and_resets()
    {
        using var buffer = new StateBuffer(0);
        var writer = new StateWriter(buffer);
        for (int i = 0; i < 10_000; i++)
        {
            writer.WriteInt32(i);
        }
        Assert.Equal(40_000, buffer.WrittenCount);
        var reader = new StateReader(buffer.WrittenSpan);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
        }
        buffer.Reset();
        Assert.Equal(0, writer.BytesWritten);
    }

    [Fact]
    public void A_disposed_buffer_cannot_be_used()
    {
        var buffer = new StateBuffer();
        buffer.Dispose();
        buffer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new StateWriter(buffer).WriteInt64(1));
        Assert.Throws<ObjectDisposedException>(() => buffer.ToArray());
    }

    [Fact]
    public void Advancing_past_the_obtained_span_is_rejected()
    {
        using var buffer = new StateBuffer(16);
        int available = buffer.GetSpan(4).Length;
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Advance(available + 1));
    }

    [Fact]
    public void Writing_and_reading_primitives_allocates_nothing()
    {
        using var buffer = new StateBuffer(64 * 1024);
        WriteAndRead(buffer); // warm up: JIT and tiering
        long before = GC.GetAllocatedBytesForCurrentThread();
        long sum = WriteAndRead(buffer);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(1_000L * 999 / 2 * 4, sum);
        Assert.Equal(0, allocated);
    }

    private static long WriteAndRead(StateBuffer buffer)
    {
        buffer.Reset();
        var writer = new StateWriter(buffer);
        var ints = Int32Serializer.Instance;
        var doubles = DoubleSerializer.Instance;
        var guids = GuidSerializer.Instance;
        var decimals = DecimalSerializer.Instance;
        for (int i = 0; i < 1_000; i++)
        {
            ints.Write(ref writer, i);
            doubles.Write(ref writer, i);
            guids.Write(ref writer, Guid.Empty);
            decimals.Write(ref writer, i);
            writer.WriteVarUInt64((ulong)i);
            EnumSerializer<DayOfWeek>.Instance.Write(ref writer, DayOfWeek.Friday);
        }
        var reader = new StateReader(buffer.WrittenSpan);
        long sum = 0;
        for (int i = 0; i < 1_000; i++)
        {
            sum += ints.Read(ref reader);
            sum += (long)doubles.Read(ref reader);
            guids.Read(ref reader);
            sum += (long)decimals.Read(ref reader);
            sum += (long)reader.ReadVarUInt64();
            EnumSerializer<DayOfWeek>.Instance.Read(ref reader);
        }
        return sum;
    }
}
