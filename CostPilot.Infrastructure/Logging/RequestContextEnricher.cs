using System.Diagnostics;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Serilog.Core;
using Serilog.Events;

namespace CostPilot.Infrastructure.Logging;

/// <summary>Adds the signed-in user's id and a correlation id (the trace id) to every event that lacks them.</summary>
public sealed class RequestContextEnricher(IHttpContextAccessor httpContextAccessor) : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var http = httpContextAccessor.HttpContext;
        if (!logEvent.Properties.ContainsKey(PostgresLogSink.UserIdProperty)
            && http?.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } userId)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(PostgresLogSink.UserIdProperty, userId));
        }
        var correlationId = Activity.Current?.TraceId.ToString() ?? http?.TraceIdentifier;
        if (correlationId is not null)
        {
            logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty(PostgresLogSink.CorrelationIdProperty, correlationId));
        }
    }
}
