// Shared source: compiled into the runtime (the run-time lookup's advice, the refusal of records in flight that
// unaligned checkpoints cannot save) and into the generator and analyzers (DSLF3005), so the texts are written once.
// Keep it netstandard2.0-compatible: no newer APIs.
#nullable enable
using System.Collections.Generic;
using System.Linq;

namespace DslFlow.Serialization
{
    /// <summary>The texts of DSLF3005 (state or in-flight records that cannot be serialized) that the runtime says too.</summary>
    internal static class SerializationMessages
    {
        public const string NotSerializable = "DSLF3005";

        /// <summary>The types the runtime's built-in serializers cover, and their compositions.</summary>
        public const string BuiltInTypes = "primitives, string, decimal, Guid, DateTime, DateTimeOffset, TimeSpan, enums, "
            + "nullable value types, single-dimensional arrays, List<T>, Dictionary<TKey, TValue>, KeyValuePair<TKey, TValue>, "
            + "value tuples of 2 to 7 elements";

        /// <summary>What generated code serializes: the built-ins, and user types member by member.</summary>
        public const string SupportedTypes = BuiltInTypes + ", and records, classes and structs whose public properties have supported types";

        /// <summary>
        /// Unaligned checkpoints cannot save the records that cross <paramref name="edges"/> (<c>From -> To</c>) into a
        /// task; <paramref name="culprit"/> says which type or member cannot be saved, why, and how to fix it (whole sentences).
        /// </summary>
        public static string InFlightRecords(string recordType, IReadOnlyList<string> edges, string culprit)
        {
            string edgeText = edges.Count == 1
                ? "edge " + edges[0]
                : $"edges {string.Join(", ", edges.Take(edges.Count - 1))} and {edges[edges.Count - 1]}";
            return $"Records of type '{recordType}' in flight on {edgeText} cannot be saved in unaligned checkpoints, "
                + $"which persist them: {culprit} Or use aligned checkpoints (remove Unaligned = true).";
        }

        /// <summary>An edge as <see cref="InFlightRecords"/> names it.</summary>
        public static string Edge(string from, string to) => $"{from} -> {to}";
    }
}
