using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CostPilot.Tests.Support;

/// <summary>One log entry as a test sees it, structured state included.</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception, IReadOnlyDictionary<string, object?> State);

/// <summary>Where a <see cref="CapturingLoggerProvider"/> keeps what was logged.</summary>
public sealed class LogCapture
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    internal void Add(LogEntry entry) => _entries.Enqueue(entry);
}

/// <summary>Keeps every log entry, with its structured state, so a test can check what was logged.</summary>
public sealed class CapturingLoggerProvider(LogCapture capture) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, capture);

    public void Dispose()
    {
    }

    private sealed class CapturingLogger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value)
                : [];
            capture.Add(new LogEntry(category, logLevel, formatter(state, exception), exception, values));
        }
    }
}
