using System.Globalization;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Recommendations;
using CsvHelper;

namespace CostPilot.Infrastructure.Inventory;

/// <summary>
/// The CSV exports of an account's instances, volumes and addresses (the web download and, later, the REST API). Rows are written
/// as they are read, never buffered; numbers use the invariant culture without thousands separators; an unknown price is an empty
/// field, never 0.
/// </summary>
public static class InventoryCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static readonly string[] InstanceColumns =
        ["instance_id", "name", "region", "instance_type", "platform", "lifecycle", "state", "hourly_usd", "monthly_usd", "price_source"];

    public static readonly string[] VolumeColumns =
        ["volume_id", "name", "region", "volume_type", "size_gib", "iops", "throughput_mibps", "state", "attached_instance_id", "idle", "monthly_usd"];

    public static readonly string[] RecommendationColumns =
        ["kind", "resource_type", "resource_id", "name", "region", "current", "proposed", "monthly_cost_before_usd", "monthly_cost_after_usd",
         "monthly_saving_usd", "risk", "reason"];

    public static readonly string[] ExperimentColumns =
        ["experiment_id", "created_at", "completed_at", "account", "instance_id", "name", "region", "kind", "from_type", "to_type", "state",
         "monthly_cost_before_usd", "monthly_cost_after_usd", "realized_monthly_saving_usd", "downtime_seconds", "requested_by", "message"];

    public static readonly string[] AddressColumns =
        ["allocation_id", "public_ip", "name", "region", "instance_id", "association_id", "idle", "monthly_usd"];

    // LF line ends (every CSV reader accepts them, and a naive line split leaves no stray CR); names that a spreadsheet would run as
    // a formula (tags are anyone's text) are written as text.
    private static readonly CsvWriterOptions Options = CsvWriterOptions.Default with
    {
        NewLine = "\n",
        Injection = CsvInjection.Escape,
        FormatProvider = CultureInfo.InvariantCulture,
    };

    public static Task WriteInstancesAsync(Stream destination, IAsyncEnumerable<InstanceRow> rows, CancellationToken ct = default) =>
        WriteAsync(destination, InstanceColumns, rows, (csv, i) =>
        {
            csv.WriteField(i.InstanceId);
            csv.WriteField(i.Name);
            csv.WriteField(i.Region);
            csv.WriteField(i.InstanceType.Value);
            csv.WriteField(i.Platform);
            csv.WriteField(i.Lifecycle);
            csv.WriteField(i.State.Value);
            csv.WriteField(Hourly(i.HourlyUsd));
            csv.WriteField(Monthly(i.MonthlyUsd));
            csv.WriteField((i.MonthlyUsd is null ? PriceSource.Unknown : i.PriceSource ?? PriceSource.Unknown).Label());
        }, ct);

    public static Task WriteVolumesAsync(Stream destination, IAsyncEnumerable<VolumeRow> rows, CancellationToken ct = default) =>
        WriteAsync(destination, VolumeColumns, rows, (csv, v) =>
        {
            csv.WriteField(v.VolumeId);
            csv.WriteField(v.Name);
            csv.WriteField(v.Region);
            csv.WriteField(v.VolumeType);
            csv.WriteField(Integer(v.SizeGiB));
            csv.WriteField(v.Iops is { } iops ? Integer(iops) : null);
            csv.WriteField(v.ThroughputMiBps is { } throughput ? Integer(throughput) : null);
            csv.WriteField(v.State);
            csv.WriteField(v.AttachedInstanceId);
            csv.WriteField(v.IsIdle ? "true" : "false");
            csv.WriteField(Monthly(v.MonthlyUsd));
        }, ct);

    public static Task WriteAddressesAsync(Stream destination, IAsyncEnumerable<AddressRow> rows, CancellationToken ct = default) =>
        WriteAsync(destination, AddressColumns, rows, (csv, a) =>
        {
            csv.WriteField(a.AllocationId);
            csv.WriteField(a.PublicIp);
            csv.WriteField(a.Name);
            csv.WriteField(a.Region);
            csv.WriteField(a.InstanceId);
            csv.WriteField(a.AssociationId);
            csv.WriteField(a.IsIdle ? "true" : "false");
            csv.WriteField(Monthly(a.MonthlyUsd));
        }, ct);

    public static Task WriteRecommendationsAsync(Stream destination, IAsyncEnumerable<RecommendationRow> rows, CancellationToken ct = default) =>
        WriteAsync(destination, RecommendationColumns, rows, (csv, r) =>
        {
            csv.WriteField(r.Kind.Slug());
            csv.WriteField(r.Resource.ToString().ToLowerInvariant());
            csv.WriteField(r.ResourceId);
            csv.WriteField(r.Name);
            csv.WriteField(r.Region);
            csv.WriteField(r.Current);
            csv.WriteField(r.Proposed);
            csv.WriteField(Monthly(r.MonthlyCostBefore));
            csv.WriteField(Monthly(r.MonthlyCostAfter));
            csv.WriteField(Monthly(r.MonthlySaving));
            csv.WriteField(r.Risk.ToString().ToLowerInvariant());
            csv.WriteField(r.Reason);
        }, ct);

    /// <summary>The optimization history: one row per experiment; times in UTC (ISO 8601), downtime in whole seconds.</summary>
    public static Task WriteExperimentsAsync(Stream destination, IAsyncEnumerable<ExperimentRow> rows, CancellationToken ct = default) =>
        WriteAsync(destination, ExperimentColumns, rows, (csv, e) =>
        {
            csv.WriteField(e.Id.ToString());
            csv.WriteField(Utc(e.CreatedAt));
            csv.WriteField(e.CompletedAt is { } completed ? Utc(completed) : null);
            csv.WriteField(e.AccountName);
            csv.WriteField(e.InstanceId);
            csv.WriteField(e.InstanceName);
            csv.WriteField(e.Region);
            csv.WriteField(e.Kind.Slug());
            csv.WriteField(e.FromType);
            csv.WriteField(e.ToType);
            csv.WriteField(e.State.Slug());
            csv.WriteField(Monthly(e.MonthlyCostBefore));
            csv.WriteField(Monthly(e.MonthlyCostAfter));
            csv.WriteField(Monthly(e.RealizedMonthlySaving));
            csv.WriteField(Integer((int)Math.Round(e.Downtime.TotalSeconds, MidpointRounding.AwayFromZero)));
            csv.WriteField(e.RequestedBy);
            csv.WriteField(e.Message);
        }, ct);

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A monthly figure as stored, to the cent: "1234.50"; unknown is empty.</summary>
    public static string? Monthly(decimal? usd) => usd?.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>An hourly price as stored, every digit kept (no rounding), trailing zeros dropped: "0.0104"; unknown is empty.</summary>
    public static string? Hourly(decimal? usd) => usd?.ToString("0.############################", CultureInfo.InvariantCulture);

    private static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task WriteAsync<T>(Stream destination, string[] header, IAsyncEnumerable<T> rows, Action<CsvWriter, T> write,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(rows);
        var csv = CsvWriter.Create(destination, Options, leaveOpen: true);
        await using (csv)
        {
            csv.WriteHeader(header);
            await foreach (var row in rows.WithCancellation(ct))
            {
                write(csv, row);
                await csv.EndRecordAsync(ct);
            }
            await csv.FlushAsync(ct);
        }
    }
}
