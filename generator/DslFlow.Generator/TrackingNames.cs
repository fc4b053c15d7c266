namespace DslFlow.Generator;

/// <summary>Names of the generator's pipeline steps, for incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = "DslFlow.Parse";
    public const string Model = "DslFlow.Model";
}
