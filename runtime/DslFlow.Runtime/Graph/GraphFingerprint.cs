using System.Security.Cryptography;
using System.Text;

namespace DslFlow;

/// <summary>
/// A short digest of a job graph — nodes (name, kind, types, keys, states), edges and chains — recorded in every
/// checkpoint's metadata so logs can tell that a checkpoint came from another version of the pipeline. For
/// diagnostics only: code changes between runs are normal, and a restore decides per state (name and descriptor).
/// </summary>
internal static class GraphFingerprint
{
    public static string Of(JobGraph graph)
    {
        var text = new StringBuilder();
        foreach (NodeInfo node in graph.Nodes)
        {
            text.Append("node ").Append(node.Name).Append(' ').Append(node.Kind).Append(' ').Append(node.InputType)
                .Append(" -> ").Append(node.OutputType).Append(" key ").Append(node.KeyType)
                .Append(" states ").AppendJoin(',', node.States).Append('\n');
        }
        foreach (EdgeInfo edge in graph.Edges)
        {
            text.Append("edge ").Append(edge.From).Append("->").Append(edge.To).Append(' ').Append(edge.Partitioning)
                .Append(edge.Chained ? " chained" : "").Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
