using System.Text;

namespace DslFlow;

/// <summary>
/// Writes one line per record, like Flink's print sink: with parallelism above 1 each line starts with
/// <c>{subtask}&gt; </c> (the 0-based subtask index). At-least-once by design: after a restart, replayed records are
/// printed again.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
public sealed class ConsoleSink<T> : ISink<T>
{
    private readonly Func<T, string>? _format;
    private readonly TextWriter? _output;

    /// <summary>Prints records with <paramref name="format"/> (default <c>ToString()</c>, <c>null</c> for null records).</summary>
    /// <param name="format">Turns a record into its line; null for <c>ToString()</c>.</param>
    /// <param name="output">Where lines go; null for <see cref="Console.Out"/> (as it is when the writer is created).</param>
    public ConsoleSink(Func<T, string>? format = null, TextWriter? output = null)
    {
        _format = format;
        _output = output;
    }

    /// <summary>Creates the writer of one subtask.</summary>
    public ISinkWriter<T> CreateWriter(NodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string prefix = context.Parallelism > 1 ? $"{context.SubtaskIndex}> " : string.Empty;
        return new Writer(_output ?? Console.Out, prefix, _format);
    }

    private sealed class Writer(TextWriter output, string prefix, Func<T, string>? format) : ISinkWriter<T>
    {
        private readonly StringBuilder _lines = new();

        public void Write(ReadOnlySpan<T> records)
        {
            // One write per batch under the writer's lock keeps lines of concurrent subtasks whole.
            _lines.Clear();
            foreach (T record in records)
            {
                string line = format is not null ? format(record) : record?.ToString() ?? "null";
                _lines.Append(prefix).Append(line).Append(output.NewLine);
            }
            lock (output)
            {
                output.Write(_lines);
            }
        }

        public void Flush()
        {
            lock (output)
            {
                output.Flush();
            }
        }

        public void Dispose()
        {
        }
    }
}
