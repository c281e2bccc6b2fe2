using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace CostPilot.Infrastructure.Logging;

/// <summary>
/// Writes batches of log events into <c>system_logs</c> with one binary COPY per batch.
/// Serilog's batching wrapper owns the queue: logging never waits for the database, a full queue
/// drops events, and a failed batch is retried with back-off and then dropped.
/// </summary>
public sealed class PostgresLogSink(string connectionString) : IBatchedLogEventSink
{
    public const string UserIdProperty = "UserId";
    public const string CorrelationIdProperty = "CorrelationId";
    private const int MaxTextLength = 32_000;

    private static readonly JsonValueFormatter JsonFormatter = new(typeTagName: null);

    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString)
    {
        ApplicationName = "costpilot-logs",
        Timeout = 5,
        CommandTimeout = 15,
    }.ConnectionString;

    public async Task EmitBatchAsync(IReadOnlyCollection<LogEvent> batch)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            "COPY system_logs (timestamp, level, message, message_template, exception, properties, source_context, user_id, correlation_id, trace_id, span_id) FROM STDIN (FORMAT BINARY)");
        foreach (var e in batch)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(e.Timestamp.ToUniversalTime(), NpgsqlDbType.TimestampTz);
            await writer.WriteAsync(e.Level.ToString(), NpgsqlDbType.Varchar);
            await writer.WriteAsync(Clip(e.RenderMessage(CultureInfo.InvariantCulture)), NpgsqlDbType.Text);
            await writer.WriteAsync(Clip(e.MessageTemplate.Text), NpgsqlDbType.Text);
            await WriteNullableAsync(writer, e.Exception is null ? null : Clip(SecretScrubber.Scrub(e.Exception.ToString())), NpgsqlDbType.Text);
            await writer.WriteAsync(PropertiesJson(e), NpgsqlDbType.Jsonb);
            await WriteNullableAsync(writer, Scalar(e, "SourceContext"), NpgsqlDbType.Varchar);
            await WriteNullableAsync(writer, Scalar(e, UserIdProperty), NpgsqlDbType.Varchar);
            await WriteNullableAsync(writer, Scalar(e, CorrelationIdProperty), NpgsqlDbType.Varchar);
            await WriteNullableAsync(writer, e.TraceId?.ToHexString(), NpgsqlDbType.Varchar);
            await WriteNullableAsync(writer, e.SpanId?.ToHexString(), NpgsqlDbType.Varchar);
        }
        await writer.CompleteAsync();
    }

    public Task OnEmptyBatchAsync() => Task.CompletedTask;

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, string? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            await writer.WriteNullAsync();
        }
        else
        {
            await writer.WriteAsync(value, type);
        }
    }

    private static string? Scalar(LogEvent e, string name) =>
        e.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: { } v }
            ? Convert.ToString(v, CultureInfo.InvariantCulture)
            : null;

    internal static string PropertiesJson(LogEvent e)
    {
        var sb = new StringBuilder("{");
        using var output = new StringWriter(sb, CultureInfo.InvariantCulture);
        var first = true;
        foreach (var (name, value) in e.Properties)
        {
            if (!first)
            {
                output.Write(',');
            }
            first = false;
            JsonValueFormatter.WriteQuotedJsonString(name, output);
            output.Write(':');
            JsonFormatter.Format(value, output);
        }
        output.Write('}');
        // PostgreSQL's jsonb rejects the NUL character even when escaped.
        return sb.ToString().Replace("\\u0000", "", StringComparison.Ordinal);
    }

    private static string Clip(string text)
    {
        var clean = text.Replace("\0", "", StringComparison.Ordinal);
        return clean.Length > MaxTextLength ? clean[..MaxTextLength] : clean;
    }
}
