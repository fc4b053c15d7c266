namespace DslFlow.Execution;

/// <summary>Marks tasks whose chain head is a source.</summary>
internal interface ISourceTask
{
}
