namespace DslFlow.Analyzers; internal static class Placeholder {}
