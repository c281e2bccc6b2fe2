using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using Hangfire;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Pricing;

public sealed record PriceRefreshRow(DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, bool? Succeeded, string? Message);

/// <summary>The catalog in use on this node and the last refresh attempt, for the admin System page.</summary>
public sealed record PriceCatalogStatus(PriceCatalogInfo Info, int ComputePrices, int Regions, TimeSpan Age, bool IsStale, PriceRefreshRow? LastRefresh)
{
    public bool LastRefreshFailed => LastRefresh is { Succeeded: false };
    public bool Refreshing => LastRefresh is { FinishedAt: null };
}

/// <summary>What admins do with prices: see where they come from and how old they are, and ask for a refresh.</summary>
public sealed class PricingAdminService(
    IDbContextFactory<CostPilotDbContext> dbFactory,
    PriceCatalogProvider catalogs,
    IBackgroundJobClient jobs,
    TimeProvider clock)
{
    /// <summary>A refresh that has not finished after this long died with its server; a new one may start.</summary>
    public static readonly TimeSpan RefreshTimeout = TimeSpan.FromHours(2);

    public async Task<Result<PriceCatalogStatus>> GetStatusAsync(Caller caller, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        return await StatusAsync(ct);
    }

    /// <summary>The status without a caller check: health checks read it too.</summary>
    public async Task<PriceCatalogStatus> StatusAsync(CancellationToken ct)
    {
        var catalog = catalogs.Current;
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var last = await db.PriceRefreshes.AsNoTracking().OrderByDescending(r => r.Id)
            .Select(r => new PriceRefreshRow(r.StartedAt, r.FinishedAt, r.Succeeded, r.Message)).FirstOrDefaultAsync(ct);
        var now = clock.GetUtcNow();
        if (last is { FinishedAt: null } && now - last.StartedAt > RefreshTimeout)
        {
            last = last with { Succeeded = false, Message = "The refresh never finished (its server stopped)." };
        }
        return new PriceCatalogStatus(catalog.Info, catalog.ComputePriceCount, catalog.Regions.Count(), catalog.Info.AgeAt(now),
            catalog.Info.IsStaleAt(now), last);
    }

    public async Task<Result> RequestRefreshAsync(Caller caller, CancellationToken ct = default)
    {
        if (caller.AdminError() is { } denied)
        {
            return denied;
        }
        var status = await StatusAsync(ct);
        if (status.LastRefresh is { FinishedAt: null, Succeeded: null })
        {
            return ServiceError.Conflict("A price refresh is already running.");
        }
        jobs.Enqueue<PriceRefreshJob>(j => j.RunAsync(caller.UserId, CancellationToken.None));
        return Result.Ok;
    }
}
