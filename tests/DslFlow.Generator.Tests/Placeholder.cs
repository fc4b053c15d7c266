namespace DslFlow.Generator.Tests; public class Placeholder {}
