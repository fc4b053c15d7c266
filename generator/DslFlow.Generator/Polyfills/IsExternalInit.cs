namespace System.Runtime.CompilerServices;

// netstandard2.0 lacks it; records' init accessors need it.
internal static class IsExternalInit
{
}
