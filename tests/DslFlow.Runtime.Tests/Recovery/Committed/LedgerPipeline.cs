namespace DslFlow.Runtime.Tests.Recovery.Committed;

/// <summary>Numbers from a <see cref="GatedSource"/>, formatted, into a <see cref="FileSink{T}"/>: committed output a test can count.</summary>
[Pipeline]
public static partial class LedgerPipeline
{
    /// <summary>The source the next <c>Start</c> uses (its factory runs inside <c>Start</c>).</summary>
    public static GatedSource Input { get; set; } = new(0, 0);

    /// <summary>The sink's directory for the next <c>Start</c>.</summary>
    public static string OutputDirectory { get; set; } = "";

    [Source]
    public static GatedSource Numbers() => Input;

    [Map(nameof(Numbers))]
    public static string Format(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Sink(nameof(Format))]
    public static FileSink<string> Ledger() => new(OutputDirectory);
}
