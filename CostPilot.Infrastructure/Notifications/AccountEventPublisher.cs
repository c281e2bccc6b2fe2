using System.Text.Json;
using Npgsql;

namespace CostPilot.Infrastructure.Notifications;

/// <summary>Publishes account events with PostgreSQL NOTIFY: every app node sharing the database hears them.</summary>
public sealed class AccountEventPublisher(NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    public const string Channel = "costpilot_account_events";

    // NOTIFY payloads must stay under 8000 bytes; the message is the only open-ended field.
    private const int MaxMessageLength = 1000;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task PublishAsync(AccountEvent e, CancellationToken ct = default)
    {
        if (e.StatusMessage is { Length: > MaxMessageLength })
        {
            e = e with { StatusMessage = e.StatusMessage[..MaxMessageLength] };
        }
        if (e.Experiment is { } x && (x.Message?.Length > MaxMessageLength || x.StepNote?.Length > MaxMessageLength))
        {
            e = e with { Experiment = x with { Message = x.Message?[..Math.Min(x.Message.Length, MaxMessageLength)], StepNote = x.StepNote?[..Math.Min(x.StepNote.Length, MaxMessageLength)] } };
        }
        e = e with { PublishedAt = (clock ?? TimeProvider.System).GetUtcNow() };
        await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", JsonSerializer.Serialize(e, Json));
        await command.ExecuteNonQueryAsync(ct);
    }
}
