namespace CostPilot.Infrastructure.Logging;

/// <summary>One application log event, written by <see cref="PostgresLogSink"/> into <c>system_logs</c>.</summary>
public sealed class SystemLog
{
    public long Id { get; set; }
    public DateTimeOffset Timestamp { get; set; }
    public string Level { get; set; } = "";
    public string Message { get; set; } = "";
    public string MessageTemplate { get; set; } = "";
    public string? Exception { get; set; }

    /// <summary>The event's structured properties as JSON (jsonb), secrets already redacted.</summary>
    public string? Properties { get; set; }
    public string? SourceContext { get; set; }
    public string? UserId { get; set; }
    public string? CorrelationId { get; set; }

    /// <summary>The W3C trace id of the span the event was written in (32 hex digits), as exported to OTLP; null outside any span.</summary>
    public string? TraceId { get; set; }

    /// <summary>The span id (16 hex digits) within <see cref="TraceId"/>.</summary>
    public string? SpanId { get; set; }
}
