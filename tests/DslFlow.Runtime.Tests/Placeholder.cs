namespace DslFlow.Runtime.Tests; public class Placeholder {}
