using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing.PriceList;
using CostPilot.Infrastructure.Recommendations;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// Weekly, and when an admin asks: reads AWS's public Price List into a new catalog, stores it (every node loads it from there),
/// and reprices every account. Any failure keeps the catalog in use and records why, for the admin System page and health.
/// </summary>
public sealed partial class PriceRefreshJob(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    NpgsqlDataSource dataSource,
    PriceListClient priceList,
    PriceCatalogProvider catalogs,
    InventoryPricer pricer,
    RecommendationService recommendations,
    AccountEventPublisher events,
    IOptions<JobOptions> jobOptions,
    TimeProvider clock,
    ILogger<PriceRefreshJob> logger)
{
    /// <summary>Stored catalogs kept (the newest is in use; older ones are kept for a look back).</summary>
    public const int CatalogsKept = 3;

    private const long LockKey = 0x5052_4943_4553; // "PRICES": one refresh at a time across nodes

    [JobDisplayName("Refresh prices from the AWS Price List")]
    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(string? requestedBy, CancellationToken ct)
    {
        // The same lease discovery holds: one refresh at a time across nodes, freed the moment this process dies.
        await using var lease = await WorkLease.TryAcquireAsync(dataSource, LockKey, jobOptions.Value.EffectiveInvisibilityTimeout, ct);
        if (lease is null)
        {
            LogAlreadyRunning(logger);
            return;
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var refresh = new PriceRefresh { StartedAt = clock.GetUtcNow(), RequestedBy = requestedBy };
        db.PriceRefreshes.Add(refresh);
        await db.SaveChangesAsync(ct);

        PriceListResult fetched;
        try
        {
            fetched = await priceList.FetchAsync(ct);
        }
        catch (Exception e) when (e is PriceListException or OperationCanceledException)
        {
            refresh.FinishedAt = clock.GetUtcNow();
            refresh.Succeeded = false;
            refresh.Message = e is PriceListException ? e.Message : "The refresh was cancelled (the server is shutting down).";
            await db.SaveChangesAsync(CancellationToken.None);
            LogFailed(logger, e);
            throw;
        }

        var catalog = fetched.Catalog;
        await StoreAsync(db, catalog, ct);
        refresh.FinishedAt = clock.GetUtcNow();
        refresh.Succeeded = true;
        refresh.Message = $"{catalog.ComputePriceCount:N0} compute prices in {catalog.Regions.Count():N0} regions, published {catalog.Info.PublishedAt:yyyy-MM-dd}." +
            (fetched.PublicIpv4Fallbacks > 0 ? $" The AmazonVPC offer had no public IPv4 price for {fetched.PublicIpv4Fallbacks} of them: AWS's published $0.005/h is used there." : "");
        await db.SaveChangesAsync(CancellationToken.None);
        await catalogs.LoadNewestAsync(ct);
        await RepriceAllAsync(ct);
    }

    /// <summary>Stores the catalog and tells every node, in one transaction; older catalogs beyond the last few are dropped.</summary>
    private async Task StoreAsync(CostPilotDbContext db, PriceCatalogData catalog, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.PriceCatalogs.Add(new StoredPriceCatalog
        {
            Source = catalog.Info.Source,
            PublishedAt = catalog.Info.PublishedAt,
            RetrievedAt = catalog.Info.RetrievedAt,
            ComputePrices = catalog.ComputePriceCount,
            Regions = catalog.Regions.Count(),
            Data = PriceCatalogCodec.Encode(catalog),
            StoredAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
        var keep = await db.PriceCatalogs.OrderByDescending(c => c.Id).Select(c => c.Id).Take(CatalogsKept).ToListAsync(ct);
        await db.PriceCatalogs.Where(c => !keep.Contains(c.Id)).ExecuteDeleteAsync(ct);
        // Delivered at commit, so no node looks before the row is there.
        await db.Database.ExecuteSqlAsync($"SELECT pg_notify({PriceCatalogProvider.Channel}, '')", ct);
        await transaction.CommitAsync(ct);
    }

    /// <summary>Prices every account's inventory with the catalog now in use, records today's figures, and updates open pages.</summary>
    public async Task RepriceAllAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var accounts = await db.Accounts.AsNoTracking().Select(a => new { a.Id, a.OwnerId, a.Status, a.StatusMessage }).ToListAsync(ct);
        foreach (var a in accounts)
        {
            await pricer.RepriceAsync(a.Id, ct);
            await pricer.RecordSnapshotAsync(a.Id, clock.GetUtcNow(), ct);
            // Savings are differences of prices: they change with them.
            await recommendations.RefreshAsync(a.Id, ct);
            await events.PublishAsync(AccountEvent.Changed(a.Id, a.OwnerId, a.Status, a.StatusMessage, clock.GetUtcNow()), ct);
        }
        LogRepriced(logger, accounts.Count, catalogs.Info.Source, catalogs.Info.PublishedAt);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A price refresh is already running; this one stops here")]
    private static partial void LogAlreadyRunning(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Price refresh failed; the current catalog stays in use")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Repriced {Accounts} accounts with the {Source} catalog published {PublishedAt:yyyy-MM-dd}")]
    private static partial void LogRepriced(ILogger logger, int accounts, string source, DateTimeOffset publishedAt);
}
