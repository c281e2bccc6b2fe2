using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace CostPilot.Infrastructure.Logging;

/// <summary>
/// Wraps the sinks (console, <c>system_logs</c>) so that each sees an event whose message template text and
/// exception are scrubbed by <see cref="SecretScrubber.Scrub"/>: an enricher can change properties only, while
/// careless code puts secrets in an interpolated template or in an exception's message. The exception becomes a
/// stand-in whose <see cref="Exception.ToString"/> is the original's full text (type, message, stack, inner
/// exceptions) scrubbed, and which holds no reference to the original. An event with nothing to scrub passes
/// through unchanged.
/// </summary>
public sealed class ScrubbingSink(ILogEventSink inner) : ILogEventSink, IDisposable, IAsyncDisposable
{
    public void Emit(LogEvent logEvent) => inner.Emit(Scrub(logEvent));

    public static LogEvent Scrub(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var template = ScrubTemplate(logEvent.MessageTemplate);
        var exception = logEvent.Exception;
        if (exception is not null && exception.ToString() is var full && SecretScrubber.Scrub(full) is var text && text != full)
        {
            exception = new ScrubbedException(SecretScrubber.Scrub(exception.Message), text);
        }
        if (ReferenceEquals(template, logEvent.MessageTemplate) && ReferenceEquals(exception, logEvent.Exception))
        {
            return logEvent;
        }
        return new LogEvent(
            logEvent.Timestamp, logEvent.Level, exception, template,
            logEvent.Properties.Select(p => new LogEventProperty(p.Key, p.Value)),
            logEvent.TraceId ?? default, logEvent.SpanId ?? default);
    }

    private static MessageTemplate ScrubTemplate(MessageTemplate template)
    {
        var text = SecretScrubber.Scrub(template.Text);
        if (text == template.Text)
        {
            return template;
        }
        // Property tokens stay as they are (their values are scrubbed properties); only the literal text changes.
        return new MessageTemplate(text, template.Tokens.Select(token => token is TextToken literal
            ? new TextToken(SecretScrubber.Scrub(literal.Text))
            : token));
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    public ValueTask DisposeAsync()
    {
        if (inner is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>What sinks see instead of an exception whose text held a secret.</summary>
    private sealed class ScrubbedException(string message, string text) : Exception(message)
    {
        public override string? StackTrace => null;

        public override string ToString() => text;
    }
}
