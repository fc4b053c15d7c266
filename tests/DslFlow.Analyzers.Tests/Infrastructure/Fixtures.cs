namespace DslFlow.Analyzers.Tests.Infrastructure;

/// <summary>Source and sink types the test pipelines return (the runtime's built-in ones need more setup).</summary>
public static class Fixtures
{
    public const string Types = """

        public sealed class Numbers : ISource<int>
        {
            public ISourceReader<int> CreateReader(NodeContext context) => throw new NotSupportedException();
        }

        public sealed class Words : ISource<string>
        {
            public ISourceReader<string> CreateReader(NodeContext context) => throw new NotSupportedException();
        }

        public class Out<T> : ISink<T>
        {
            public ISinkWriter<T> CreateWriter(NodeContext context) => throw new NotSupportedException();
        }

        public sealed class CommittedOut<T> : Out<T>, ITransactionalSink
        {
            public void RecoverTransactions(SinkRecoveryContext recovery)
            {
            }
        }
        """;
}
