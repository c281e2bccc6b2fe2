namespace CostPilot.Infrastructure.Notifications;

/// <summary>
/// A PostgreSQL NOTIFY channel this node listens to (<see cref="PgNotificationListener"/>): every node sharing the database hears
/// what one node publishes.
/// </summary>
public interface INotificationChannel
{
    string Name { get; }

    /// <summary>Handles one notification, off the connection's thread, one at a time per channel.</summary>
    Task OnNotificationAsync(string payload, CancellationToken ct);

    /// <summary>Called after each LISTEN is (re)established: whatever was published while not listening was missed.</summary>
    Task OnListeningAsync(CancellationToken ct);
}
