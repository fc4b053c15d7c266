namespace DslFlow.Generator; internal static class Placeholder {}
