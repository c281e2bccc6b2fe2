namespace CostPilot.Domain.Utilization;

/// <summary>
/// The port utilization comes through: CloudWatch for a real account, the simulated fleet for the sample account. Failures are
/// <see cref="Inventory.InventoryException"/>s with a message a user can act on (a missing permission names the action).
/// </summary>
public interface IUtilizationSource
{
    /// <summary>
    /// The hourly metrics of <paramref name="instanceIds"/> in <paramref name="region"/> for the hours from
    /// <paramref name="start"/> (a whole UTC hour) for <paramref name="hours"/> hours: one series per instance asked for, in the
    /// order asked, with NaN where CloudWatch has no data point. <paramref name="progress"/> hears how many instances are done.
    /// </summary>
    Task<IReadOnlyList<UtilizationSeries>> GetHourlyAsync(string region, IReadOnlyList<string> instanceIds, DateTimeOffset start,
        int hours, IProgress<int>? progress, CancellationToken ct);
}
