using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// The app's price catalog: the shipped snapshot until a refreshed catalog is stored, then the newest stored one. A refresh on
/// any node stores the catalog and notifies every node (<see cref="Channel"/>), which loads it and swaps it in whole, so a reader
/// never sees half of one. A stored catalog that cannot be read is logged and skipped: the current one stays.
/// </summary>
public sealed partial class PriceCatalogProvider(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    ILogger<PriceCatalogProvider> logger) : IPriceCatalog, INotificationChannel, IDisposable
{
    public const string Channel = "costpilot_price_catalog";

    private readonly SemaphoreSlim _loading = new(1, 1);
    private volatile Loaded _current = new(SnapshotPriceCatalog.Default, null);

    string INotificationChannel.Name => Channel;

    public PriceCatalogData Current => _current.Catalog;

    /// <summary>The id of the stored catalog in use; null while the shipped snapshot is.</summary>
    public long? StoredId => _current.StoredId;

    public PriceCatalogInfo Info => _current.Catalog.Info;

    public decimal? InstanceHourly(string region, string instanceType, InstanceOs os, Tenancy tenancy) =>
        _current.Catalog.InstanceHourly(region, instanceType, os, tenancy);

    public EbsRate? Ebs(string region, string volumeType) => _current.Catalog.Ebs(region, volumeType);

    public decimal? PublicIpv4Hourly(string region) => _current.Catalog.PublicIpv4Hourly(region);

    /// <summary>Loads the newest stored catalog when it is not the one in use. Returns true when the catalog changed.</summary>
    public async Task<bool> LoadNewestAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(ct);
            var newest = await db.PriceCatalogs.AsNoTracking().OrderByDescending(c => c.Id).Select(c => new { c.Id }).FirstOrDefaultAsync(ct);
            if (newest is null || newest.Id == _current.StoredId)
            {
                return false;
            }
            var data = await db.PriceCatalogs.AsNoTracking().Where(c => c.Id == newest.Id).Select(c => c.Data).SingleAsync(ct);
            PriceCatalogData catalog;
            try
            {
                catalog = PriceCatalogCodec.Decode(data);
            }
            catch (FormatException e)
            {
                LogUnreadable(logger, e, newest.Id);
                return false;
            }
            _current = new Loaded(catalog, newest.Id);
            LogLoaded(logger, newest.Id, catalog.Info.Source, catalog.Info.PublishedAt, catalog.ComputePriceCount);
            return true;
        }
        finally
        {
            _loading.Release();
        }
    }

    async Task INotificationChannel.OnNotificationAsync(string payload, CancellationToken ct) => await LoadNewestAsync(ct);

    // A notification may have been missed while the listener was disconnected.
    async Task INotificationChannel.OnListeningAsync(CancellationToken ct) => await LoadNewestAsync(ct);

    public void Dispose() => _loading.Dispose();

    private sealed record Loaded(PriceCatalogData Catalog, long? StoredId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Price catalog {Id} in use: {Source}, published {PublishedAt:yyyy-MM-dd}, {ComputePrices} compute prices")]
    private static partial void LogLoaded(ILogger logger, long id, string source, DateTimeOffset publishedAt, int computePrices);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stored price catalog {Id} cannot be read; the current catalog stays in use")]
    private static partial void LogUnreadable(ILogger logger, Exception exception, long id);
}
