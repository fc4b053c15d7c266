using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DslFlow.Runtime.Tests.Support;

/// <summary>Keeps every log line (category, level, message) for assertions.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, string Message)> Lines { get; } = new();

    public ConcurrentQueue<(LogLevel Level, string Message)> Levels { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ListLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            provider.Lines.Enqueue((category, message));
            provider.Levels.Enqueue((logLevel, message));
        }
    }
}
