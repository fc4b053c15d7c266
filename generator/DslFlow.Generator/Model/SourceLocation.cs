using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace DslFlow.Generator.Model;

/// <summary>
/// A declaration's place in a source file as plain values, so a model can say where to report without holding a syntax
/// tree; <see cref="ToLocation"/> rebuilds the Roslyn location.
/// </summary>
internal sealed record SourceLocation(string FilePath, int Start, int Length, int StartLine, int StartCharacter, int EndLine, int EndCharacter)
{
    public static SourceLocation? Of(Location location)
    {
        if (!location.IsInSource)
        {
            return null;
        }
        FileLinePositionSpan lines = location.GetLineSpan();
        return new SourceLocation(lines.Path, location.SourceSpan.Start, location.SourceSpan.Length,
            lines.StartLinePosition.Line, lines.StartLinePosition.Character, lines.EndLinePosition.Line, lines.EndLinePosition.Character);
    }

    public Location ToLocation() =>
        Location.Create(FilePath, new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartCharacter), new LinePosition(EndLine, EndCharacter)));
}
