namespace DslFlow;

/// <summary>
/// A job failed: user code threw, or the runtime could not continue. Names the node, the subtask and, when one
/// record caused it, that record. Every other task of the job was cancelled.
/// </summary>
public sealed class PipelineExecutionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PipelineExecutionException(string nodeName, int subtaskIndex, int parallelism, string? record, string problem, Exception? inner)
        : base(Describe(nodeName, subtaskIndex, parallelism, record, problem, inner), inner)
    {
        NodeName = nodeName;
        SubtaskIndex = subtaskIndex;
        Record = record;
    }

    /// <summary>The failing node (its method name).</summary>
    public string NodeName { get; }

    /// <summary>The failing subtask's index.</summary>
    public int SubtaskIndex { get; }

    /// <summary>The record being processed (its text, shortened), or null when no single record was involved.</summary>
    public string? Record { get; }

    internal static string FormatRecord(object? record)
    {
        string text;
        try
        {
            text = record switch
            {
                null => "null",
                string s => "\"" + s + "\"",
                _ => record.ToString() ?? record.GetType().Name,
            };
        }
        catch (Exception ex)
        {
            text = $"({record!.GetType().Name}; its ToString threw {ex.GetType().Name})"; // keep the user's original exception
        }
        return text.Length <= 200 ? text : text[..200] + "…";
    }

    private static string Describe(string node, int subtask, int parallelism, string? record, string problem, Exception? inner)
    {
        string where = $"Node '{node}' ({Messages.SubtaskNames.Of(subtask, parallelism)})";
        string what = record is null ? problem : $"{problem} on record {record}";
        string why = inner is null ? "" : $": {inner.GetType().Name}: {inner.Message}";
        return $"{Messages.Sentences.End($"{where} {what}{why}")} The job was cancelled.";
    }
}
